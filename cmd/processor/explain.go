package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/config"
	"github.com/s321/s321/internal/termsafe"
)

// runExplain is `processor explain PARCEL_ID`: it asks a running processor
// why the parcel got its decision and prints the answer for a person.
// Against a processor with a web configuration it speaks TLS
// (--tls-ca-file) and sends basic-auth credentials (--user, the password
// in PROCESSOR_HTTP_PASSWORD or --password-file).
func runExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("processor explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	describe(fs, "processor explain asks a running processor why a parcel got its decision (GET /v1/parcels/{id})\nand prints the answer.", "processor explain [flags] PARCEL_ID")
	addr := fs.String("http-addr", "127.0.0.1:8080", "the --http-addr of the running processor")
	asJSON := fs.Bool("json", false, "print the explanation as JSON (GET /v1/parcels/{id})")
	useTLS := fs.Bool("tls", false, "connect with TLS, trusting the system's roots")
	caFile := fs.String("tls-ca-file", "", "connect with TLS, trusting the CAs in this PEM file")
	user := fs.String("user", "", "basic-auth user of the processor's web configuration")
	passwordFile := fs.String("password-file", "", "file holding --user's password (or env PROCESSOR_HTTP_PASSWORD)")
	loader := config.BindCommand(fs, config.Command{})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: processor explain [--http-addr HOST:PORT] [--tls-ca-file FILE] [--user NAME] [--json] PARCEL_ID")
		return errUsage
	}
	if _, err := loader.Resolve(os.LookupEnv); err != nil {
		return err
	}
	client, scheme, err := explainClient(*useTLS, *caFile)
	if err != nil {
		return err
	}
	password, err := httpPassword(*user, *passwordFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+*addr+"/v1/parcels/"+url.PathEscape(fs.Arg(0)), nil)
	if err != nil {
		return err
	}
	if *user != "" {
		req.SetBasicAuth(*user, password)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("ask the processor at %s: %w", *addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode == http.StatusUnauthorized {
			e.Error = "the processor asks for credentials: --user and PROCESSOR_HTTP_PASSWORD or --password-file"
		}
		return fmt.Errorf("%s: %s", resp.Status, e.Error)
	}
	// The answer is the input's and the state's: escape what is printed.
	out := termsafe.NewWriter(stdout)
	if *asJSON {
		if _, err := out.Write(body); err != nil {
			return err
		}
		return out.Flush()
	}
	var exp app.Explanation
	if err := json.Unmarshal(body, &exp); err != nil {
		return fmt.Errorf("read the explanation: %w", err)
	}
	if err := exp.WriteText(out); err != nil {
		return err
	}
	return out.Flush()
}

// explainClient returns the HTTP client and scheme for the processor's
// server: plain HTTP, or TLS with the system's roots or the given CAs.
func explainClient(useTLS bool, caFile string) (*http.Client, string, error) {
	if !useTLS && caFile == "" {
		return http.DefaultClient, "http", nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, "", fmt.Errorf("tls-ca-file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, "", fmt.Errorf("tls-ca-file %s: no PEM certificate in it", caFile)
		}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}, "https", nil
}

// httpPassword reads --user's password from the file, else from
// PROCESSOR_HTTP_PASSWORD; never from a flag.
func httpPassword(user, file string) (string, error) {
	if file == "" {
		password := os.Getenv("PROCESSOR_HTTP_PASSWORD")
		if user != "" && password == "" {
			return "", errors.New("user: needs a password (env PROCESSOR_HTTP_PASSWORD or --password-file)")
		}
		return password, nil
	}
	if user == "" {
		return "", errors.New("password-file: needs --user")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("password-file: %w", err)
	}
	return strings.TrimRight(string(data), "\r\n"), nil
}
