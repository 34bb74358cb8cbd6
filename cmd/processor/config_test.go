package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/testenv"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s321.yaml")
	if err := os.WriteFile(file, []byte("brokers: [k1:9092, k2:9092]\ngroup-id: from-file\npartitions: 24\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		code    int
		want    []string
		notWant []string
	}{
		{"valid, secrets masked", []string{"config", "check", "--brokers", "k1:9092"},
			map[string]string{"RECIPIENT_KEY_SECRET": "a-real-secret-0123456789", "REDIS_URL": "redis://u:redis-pw-123@r1:6379/0"},
			0, []string{"# configuration OK", `brokers: "k1:9092"`, "# flag --brokers", `# recipient-key-secret: "********"`, "redis://u:xxxxx@r1:6379/0"},
			[]string{"a-real-secret-0123456789", "redis-pw-123"}},
		{"file, then env, then flag", []string{"config", "check", "--config", file, "--partitions", "6"},
			map[string]string{"RECIPIENT_KEY_SECRET": "a-real-secret-0123456789", "PROCESSOR_GROUP_ID": "from-env"},
			0, []string{`brokers: "k1:9092,k2:9092"`, "# file " + file, `group-id: "from-env"`, "# env PROCESSOR_GROUP_ID", "partitions: 6", "# flag --partitions"}, nil},
		{"brokers without a secret", []string{"config", "check", "--brokers", "k1:9092"}, nil,
			1, []string{"recipient-key-secret: required with --brokers"}, nil},
		{"brokers with the development secret", []string{"config", "check", "--brokers", "k1:9092"},
			map[string]string{"RECIPIENT_KEY_SECRET": "s321-development-secret-not-for-production"},
			1, []string{"the development secret must not be used with --brokers"}, nil},
		{"SASL without a password", []string{"config", "check", "--brokers", "k1:9092", "--kafka-sasl-mechanism", "SCRAM-SHA-512", "--kafka-sasl-username", "s321"},
			map[string]string{"RECIPIENT_KEY_SECRET": "a-real-secret-0123456789"},
			1, []string{"needs kafka-sasl-username and a password"}, nil},
		{"a secret is no flag", []string{"config", "check", "--kafka-sasl-password", "x"}, nil, 2, []string{"flag provided but not defined"}, nil},
		{"no subcommand", []string{"config"}, nil, 2, []string{"usage: processor config check"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{"RECIPIENT_KEY_SECRET", "REDIS_URL", "KAFKA_BROKERS", "PROCESSOR_GROUP_ID", "KAFKA_SASL_PASSWORD"} {
				t.Setenv(name, "")
				os.Unsetenv(name)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, secret := range tc.notWant {
				if strings.Contains(out, secret) {
					t.Errorf("output shows %q:\n%s", secret, out)
				}
			}
		})
	}
}

// TestSecuredBrokerOnOneMachine is the secured set-up a developer can try
// alone: `processor broker` with TLS and a SCRAM user, and `processor run`
// pointed at it with a CA file, the user, and the password from the
// environment, both as OS processes. The processor must become ready, and
// no password may be on either command line.
func TestSecuredBrokerOnOneMachine(t *testing.T) {
	ca := testenv.NewCA(t)
	server := ca.Server("broker")
	passwordFile := filepath.Join(t.TempDir(), "kafka-password")
	const password = "broker-password-0123"
	if err := os.WriteFile(passwordFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kafkaAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	brokerArgs := []string{"broker", "--addr", kafkaAddr, "--tls-cert", server.CertFile, "--tls-key", server.KeyFile,
		"--sasl-mechanism", "SCRAM-SHA-512", "--sasl-user", "s321", "--sasl-password-file", passwordFile}
	b := start(t, nil, brokerArgs...)

	httpAddr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	runArgs := []string{"run", "--brokers", kafkaAddr, "--http-addr", httpAddr, "--partitions", "2",
		"--kafka-tls-ca-file", ca.CertFile, "--kafka-sasl-mechanism", "SCRAM-SHA-512", "--kafka-sasl-username", "s321"}
	p := start(t, []string{"KAFKA_SASL_PASSWORD=" + password, "RECIPIENT_KEY_SECRET=one-machine-secret-0123456789"}, runArgs...)
	waitHTTP(t, "http://"+httpAddr+"/readyz", 30*time.Second)

	for _, args := range [][]string{brokerArgs, runArgs} {
		if strings.Contains(strings.Join(args, " "), password) {
			t.Errorf("a command line holds the password: %q", args)
		}
	}
	if code := p.stop(t, 30*time.Second); code != 0 {
		t.Errorf("processor exit %d\n%s", code, p.stderr)
	}
	if strings.Contains(p.stderr.String(), password) {
		t.Errorf("the processor's log shows the password")
	}
	if code := b.stop(t, 10*time.Second); code != 0 {
		t.Errorf("broker exit %d\n%s", code, b.stderr)
	}
	if want := "TLS, SASL SCRAM-SHA-512 as s321"; !strings.Contains(b.stdout.String(), want) {
		t.Errorf("broker says %q, want %q", b.stdout.String(), want)
	}
}

func TestBrokerSecurityErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"certificate without key", []string{"broker", "--tls-cert", "c.pem"}, "tls-cert and tls-key: give both"},
		{"user without password", []string{"broker", "--sasl-user", "u"}, "sasl-user: needs a password"},
		{"password file without user", []string{"broker", "--sasl-password-file", "p"}, "sasl-password-file: needs --sasl-user"},
		{"unknown mechanism", []string{"broker", "--sasl-user", "u", "--sasl-mechanism", "GSSAPI"}, `mechanism "GSSAPI": must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KAFKA_SASL_PASSWORD", "")
			if tc.name == "unknown mechanism" {
				t.Setenv("KAFKA_SASL_PASSWORD", "a-password")
			} else {
				os.Unsetenv("KAFKA_SASL_PASSWORD")
			}
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, %q; want 1 and %q", code, stderr.String(), tc.want)
			}
		})
	}
}

// Every command reads its flags the three ways of run: generate's --count
// from the file and the environment, a flag over both; its destination
// from the command line alone, so the processors' PROCESSOR_BROKERS does
// not send generated traffic to their Kafka.
func TestGenerateReadsTheConfiguration(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s321.yaml")
	if err := os.WriteFile(file, []byte("count: 3\ngroup-id: run-only\nbrokers: [127.0.0.1:1]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PROCESSOR_BROKERS", "127.0.0.1:1")
	for _, tc := range []struct {
		name string
		env  string
		args []string
		want int
	}{
		{"file", "", []string{"--config", file}, 3},
		{"env over file", "4", []string{"--config", file}, 4},
		{"flag over env", "4", []string{"--config", file, "--count", "5"}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("PROCESSOR_COUNT", tc.env)
			}
			code, stdout, stderr := runCommand(t, append([]string{"generate"}, tc.args...)...)
			if code != 0 || strings.Count(stdout, "\n") != tc.want || !strings.Contains(stderr, "to stdout") {
				t.Errorf("exit %d, %d lines, want 0 and %d to stdout\n%s", code, strings.Count(stdout, "\n"), tc.want, stderr)
			}
		})
	}
}
