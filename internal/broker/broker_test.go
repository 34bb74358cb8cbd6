package broker

import (
	"crypto/tls"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // empty: valid
	}{
		{"plaintext", Config{Addr: "127.0.0.1:0"}, ""},
		{"users", Config{Addr: "127.0.0.1:0", Users: []User{
			{Mechanism: MechanismPlain, Name: "a", Password: "p"},
			{Mechanism: MechanismScramSHA256, Name: "b", Password: "p"},
			{Mechanism: MechanismScramSHA512, Name: "c", Password: "p"},
		}}, ""},
		{"no port", Config{Addr: "127.0.0.1"}, "must be host:port"},
		{"TLS without a certificate", Config{Addr: "127.0.0.1:0", TLS: &tls.Config{}}, "a server certificate is required"},
		{"unknown mechanism", Config{Addr: "127.0.0.1:0", Users: []User{{Mechanism: "GSSAPI", Name: "a", Password: "p"}}}, `mechanism "GSSAPI"`},
		{"no password", Config{Addr: "127.0.0.1:0", Users: []User{{Mechanism: MechanismPlain, Name: "a"}}}, "name and password are required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestStartRefusesABadConfig(t *testing.T) {
	if _, err := Start(Config{Addr: "127.0.0.1:0", Users: []User{{Mechanism: "X", Name: "a", Password: "p"}}}); err == nil {
		t.Fatal("started with an unknown mechanism")
	}
}

// Regression: a broker bound beyond loopback without TLS and SASL served
// the DLQ's raw manifests to anyone, and nothing said so.
func TestExposure(t *testing.T) {
	secured := &tls.Config{Certificates: []tls.Certificate{{}}}
	users := []User{{Mechanism: MechanismPlain, Name: "a", Password: "p"}}
	tests := []struct {
		name string
		cfg  Config
		want []string // empty: no warning
	}{
		{"loopback", Config{Addr: "127.0.0.1:9092"}, nil},
		{"localhost", Config{Addr: "localhost:9092"}, nil},
		{"IPv6 loopback", Config{Addr: "[::1]:9092"}, nil},
		{"every interface", Config{Addr: "0.0.0.0:9092"}, []string{"without TLS or SASL", "DLQ"}},
		{"no host", Config{Addr: ":9092"}, []string{"without TLS or SASL"}},
		{"a name", Config{Addr: "broker.internal:9092"}, []string{"without TLS or SASL"}},
		{"TLS only", Config{Addr: "0.0.0.0:9092", TLS: secured}, []string{"without SASL"}},
		{"SASL only", Config{Addr: "0.0.0.0:9092", Users: users}, []string{"without TLS"}},
		{"TLS and SASL", Config{Addr: "0.0.0.0:9092", TLS: secured, Users: users}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cfg.Exposure()
			if len(tc.want) == 0 && got != "" {
				t.Errorf("warns: %s", got)
			}
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("warning %q lacks %q", got, want)
				}
			}
		})
	}
}
