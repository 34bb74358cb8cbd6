package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/s321/s321/internal/broker"
	"github.com/s321/s321/internal/config"
)

// runConfig is `processor config check [flags]`: it resolves the flags,
// environment and file as `processor run` would, prints the result with
// secrets masked and where each value came from, and validates it (the
// table files and certificates are read; nothing is connected to).
func runConfig(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: processor config check [the flags of processor run]")
		return errUsage
	}
	fs := flag.NewFlagSet("processor config check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	describe(fs, "processor config check resolves the flags, environment and file as processor run would, prints\nthe configuration with secrets masked and where each value came from, and validates it (files\nare read; nothing is connected to).", "processor config check [the flags of processor run]")
	loader := config.Bind(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	settings, err := loader.Resolve(os.LookupEnv)
	if err != nil {
		return err
	}
	if err := settings.Show(stdout); err != nil {
		return err
	}
	cfg := settings.App
	if err := cfg.ValidateAndLoad(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	fmt.Fprintln(stdout, "# configuration OK")
	return nil
}

// brokerSecurity reads the TLS and SASL options of `processor broker`.
type brokerSecurity struct {
	certFile, keyFile, clientCAFile string
	mechanism, user, passwordFile   string
}

func (b *brokerSecurity) bind(fs *flag.FlagSet) {
	fs.StringVar(&b.certFile, "tls-cert", "", "PEM server certificate: the broker accepts TLS only")
	fs.StringVar(&b.keyFile, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&b.clientCAFile, "tls-client-ca", "", "PEM CAs of the client certificates the broker requires; empty asks for none")
	fs.StringVar(&b.mechanism, "sasl-mechanism", broker.MechanismScramSHA256, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, with --sasl-user")
	fs.StringVar(&b.user, "sasl-user", "", "require SASL: the one user clients must authenticate as")
	fs.StringVar(&b.passwordFile, "sasl-password-file", "", "file holding --sasl-user's password (or env KAFKA_SASL_PASSWORD)")
}

// apply adds the TLS configuration and the SASL user to cfg.
func (b *brokerSecurity) apply(cfg *broker.Config, lookupEnv func(string) (string, bool)) error {
	var errs []error
	switch {
	case b.certFile != "" && b.keyFile != "":
		pair, err := tls.LoadX509KeyPair(b.certFile, b.keyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("tls-cert and tls-key: %w", err))
			break
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
		if b.clientCAFile != "" {
			pem, err := os.ReadFile(b.clientCAFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("tls-client-ca: %w", err))
				break
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("tls-client-ca %s: no PEM certificate in it", b.clientCAFile))
			}
			cfg.TLS.ClientCAs, cfg.TLS.ClientAuth = pool, tls.RequireAndVerifyClientCert
		}
	case b.certFile != "" || b.keyFile != "" || b.clientCAFile != "":
		errs = append(errs, errors.New("tls-cert and tls-key: give both (and tls-client-ca only with them)"))
	}
	if b.user != "" {
		password, fromEnv := lookupEnv("KAFKA_SASL_PASSWORD")
		if b.passwordFile != "" {
			if fromEnv {
				errs = append(errs, errors.New("sasl password: set both by env KAFKA_SASL_PASSWORD and --sasl-password-file; give one"))
			}
			data, err := os.ReadFile(b.passwordFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("sasl-password-file: %w", err))
			}
			password = strings.TrimRight(string(data), "\r\n")
		}
		if password == "" {
			errs = append(errs, errors.New("sasl-user: needs a password (env KAFKA_SASL_PASSWORD or --sasl-password-file)"))
		}
		cfg.Users = []broker.User{{Mechanism: b.mechanism, Name: b.user, Password: password}}
	} else if b.passwordFile != "" {
		errs = append(errs, errors.New("sasl-password-file: needs --sasl-user"))
	}
	return errors.Join(errs...)
}

// describe says how clients must connect, for the start-up line.
func (b *brokerSecurity) describe(cfg broker.Config) string {
	var parts []string
	if cfg.TLS != nil {
		parts = append(parts, "TLS")
		if cfg.TLS.ClientAuth == tls.RequireAndVerifyClientCert {
			parts = append(parts, "client certificates required")
		}
	}
	for _, u := range cfg.Users {
		parts = append(parts, "SASL "+u.Mechanism+" as "+u.Name)
	}
	if len(parts) == 0 {
		return "plaintext, no authentication"
	}
	return strings.Join(parts, ", ")
}
