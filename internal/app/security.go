package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// TLSFiles configures the TLS side of a client connection with PEM files.
// The zero value is plaintext.
type TLSFiles struct {
	// Enabled turns TLS on with the system's roots; giving any file below
	// turns it on as well.
	Enabled bool
	// CAFile is a PEM bundle of the certificate authorities the server's
	// certificate must chain to; empty trusts the system's roots.
	CAFile string
	// CertFile and KeyFile are the client's certificate and private key,
	// for servers that require client certificates. Both or neither.
	CertFile string
	KeyFile  string
}

// On reports whether TLS is configured.
func (f TLSFiles) On() bool {
	return f.Enabled || f.CAFile != "" || f.CertFile != "" || f.KeyFile != ""
}

// ClientConfig reads the files and returns the client TLS configuration,
// or nil when TLS is off. The server name is left empty: clients fill it in
// from the address they dial, so one configuration serves every node of a
// cluster. name prefixes errors (e.g. "kafka-tls").
func (f TLSFiles) ClientConfig(name string) (*tls.Config, error) {
	if !f.On() {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var errs []error
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s-ca-file: %w", name, err))
		} else {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("%s-ca-file %s: no PEM certificate in it", name, f.CAFile))
			}
			cfg.RootCAs = pool
		}
	}
	if err := f.validate(name); err != nil {
		errs = append(errs, err)
	} else if f.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
		if err != nil {
			// The error names the files, never their content.
			errs = append(errs, fmt.Errorf("%s-cert-file and %s-key-file: %w", name, name, err))
		} else {
			cfg.Certificates = []tls.Certificate{pair}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return cfg, nil
}

// validate checks what can be checked without reading the files: a
// certificate comes with its key.
func (f TLSFiles) validate(name string) error {
	if (f.CertFile == "") != (f.KeyFile == "") {
		return fmt.Errorf("%s-cert-file and %s-key-file: give both or neither", name, name)
	}
	return nil
}

// The SASL mechanisms SASL.Mechanism accepts.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// SASL authenticates the processor to Kafka. The zero value is no
// authentication.
type SASL struct {
	// Mechanism is SASLPlain, SASLScramSHA256 or SASLScramSHA512; empty
	// turns SASL off. PLAIN sends the password as is: use it over TLS only.
	Mechanism string
	// Username and Password are the credentials. The password comes from
	// the environment or a file, never a flag (see cmd/processor).
	Username string
	Password string
}

// On reports whether SASL is configured.
func (s SASL) On() bool { return s.Mechanism != "" }

// mechanism returns the kafka-go mechanism, or nil when SASL is off.
func (s SASL) mechanism() (sasl.Mechanism, error) {
	if !s.On() {
		return nil, nil
	}
	if s.Username == "" || s.Password == "" {
		return nil, fmt.Errorf("kafka-sasl-mechanism %s: needs kafka-sasl-username and a password (KAFKA_SASL_PASSWORD or kafka-sasl-password-file)", s.Mechanism)
	}
	switch s.Mechanism {
	case SASLPlain:
		return plain.Mechanism{Username: s.Username, Password: s.Password}, nil
	case SASLScramSHA256, SASLScramSHA512:
		algo := scram.SHA256
		if s.Mechanism == SASLScramSHA512 {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, s.Username, s.Password)
		if err != nil {
			// SASLprep refused the credentials; say so without them.
			return nil, fmt.Errorf("kafka-sasl: username or password not valid for %s", s.Mechanism)
		}
		return m, nil
	default:
		return nil, fmt.Errorf("kafka-sasl-mechanism %q: must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", s.Mechanism)
	}
}

// kafkaClients are the connection settings of every Kafka client the
// processor opens: the consumer group and partition readers dial with
// Dialer, the producer and the admin client go through Transport.
type kafkaClients struct {
	Dialer    *kafka.Dialer
	Transport *kafka.Transport
}

// kafkaSecurity builds the Kafka clients' TLS and SASL settings, or nil
// clients (kafka-go's defaults) when neither is configured.
func kafkaSecurity(tlsFiles TLSFiles, auth SASL) (kafkaClients, error) {
	tlsCfg, tlsErr := tlsFiles.ClientConfig("kafka-tls")
	mech, saslErr := auth.mechanism()
	if err := errors.Join(tlsErr, saslErr); err != nil {
		return kafkaClients{}, err
	}
	if tlsCfg == nil && mech == nil {
		return kafkaClients{}, nil
	}
	return kafkaClients{
		Dialer: &kafka.Dialer{
			Timeout: 10 * time.Second, DualStack: true,
			TLS: tlsCfg, SASLMechanism: mech,
		},
		Transport: &kafka.Transport{
			DialTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second, MetadataTTL: 6 * time.Second,
			TLS: tlsCfg, SASL: mech,
		},
	}, nil
}
