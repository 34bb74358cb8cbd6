package config

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// resolve binds a fresh flag set, parses args and resolves with env as the
// whole environment.
func resolve(t *testing.T, args []string, env map[string]string) (*Settings, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := Bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return l.Resolve(func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	})
}

func TestPrecedence(t *testing.T) {
	base := filepath.Join("testdata", "base.yaml")
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		setting string
		want    string
		origin  string
	}{
		{"default", nil, nil, "group-id", "s321-processor", "default"},
		{"file over default", []string{"--config", base}, nil, "group-id", "from-file", "file " + base},
		{"file named by the environment", nil, map[string]string{"PROCESSOR_CONFIG": base}, "group-id", "from-file", "file " + base},
		{"env over file", []string{"--config", base}, map[string]string{"PROCESSOR_GROUP_ID": "from-env"}, "group-id", "from-env", "env PROCESSOR_GROUP_ID"},
		{"flag over env and file", []string{"--config", base, "--group-id", "from-flag"}, map[string]string{"PROCESSOR_GROUP_ID": "from-env"}, "group-id", "from-flag", "flag --group-id"},
		{"flag over env without file", []string{"--group-id", "from-flag"}, map[string]string{"PROCESSOR_GROUP_ID": "from-env"}, "group-id", "from-flag", "flag --group-id"},
		{"file list", []string{"--config", base}, nil, "brokers", "kafka-1:9092,kafka-2:9092", "file " + base},
		{"contract env name", nil, map[string]string{"KAFKA_BROKERS": "a:1,b:2"}, "brokers", "a:1,b:2", "env KAFKA_BROKERS"},
		{"contract env name over file", []string{"--config", base}, map[string]string{"KAFKA_BROKERS": "a:1"}, "brokers", "a:1", "env KAFKA_BROKERS"},
		{"PROCESSOR_ name over contract name", nil, map[string]string{"KAFKA_BROKERS": "a:1", "PROCESSOR_BROKERS": "c:3"}, "brokers", "c:3", "env PROCESSOR_BROKERS"},
		{"flag over contract env name", []string{"--brokers", "f:9"}, map[string]string{"KAFKA_BROKERS": "a:1"}, "brokers", "f:9", "flag --brokers"},
		{"empty env clears a file value", []string{"--config", base}, map[string]string{"KAFKA_BROKERS": ""}, "brokers", "", "env KAFKA_BROKERS"},
		{"REDIS_URL", nil, map[string]string{"REDIS_URL": "redis://r:6379/0"}, "redis-url", "redis://r:6379/0", "env REDIS_URL"},
		{"file int", []string{"--config", base}, nil, "partitions", "24", "file " + base},
		{"env int over file", []string{"--config", base}, map[string]string{"PROCESSOR_PARTITIONS": "6"}, "partitions", "6", "env PROCESSOR_PARTITIONS"},
		{"file duration", []string{"--config", base}, nil, "shutdown-timeout", "45s", "file " + base},
		{"flag duration", []string{"--config", base, "--shutdown-timeout", "1m"}, nil, "shutdown-timeout", "1m0s", "flag --shutdown-timeout"},
		{"file bool", []string{"--config", base}, nil, "kafka-tls", "true", "file " + base},
		{"env bool over file", []string{"--config", base}, map[string]string{"PROCESSOR_KAFKA_TLS": "false"}, "kafka-tls", "false", "env PROCESSOR_KAFKA_TLS"},
		{"bool flag without value", []string{"--kafka-tls"}, nil, "kafka-tls", "true", "flag --kafka-tls"},
		{"log level from file", []string{"--config", base}, nil, "log-level", "warn", "file " + base},
		{"secret from the contract env name", nil, map[string]string{"RECIPIENT_KEY_SECRET": "0123456789abcdef"}, "recipient-key-secret", "0123456789abcdef", "env RECIPIENT_KEY_SECRET"},
		{"secret from env only", nil, map[string]string{"KAFKA_SASL_PASSWORD": "pw"}, "kafka-sasl-password", "pw", "env KAFKA_SASL_PASSWORD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := resolve(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := byName(tc.setting).get(s); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.setting, got, tc.want)
			}
			if got := s.Origin(tc.setting).String(); got != tc.origin {
				t.Errorf("%s came from %q, want %q", tc.setting, got, tc.origin)
			}
		})
	}
}

func TestFileFillsAppConfig(t *testing.T) {
	s, err := resolve(t, []string{"--config", filepath.Join("testdata", "base.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := s.App
	if len(c.Brokers) != 2 || c.GroupID != "from-file" || c.Partitions != 24 || c.ShutdownTimeout != 45*time.Second ||
		!c.KafkaTLS.Enabled || c.KafkaSASL.Mechanism != "SCRAM-SHA-512" || c.KafkaSASL.Username != "s321" ||
		c.RedisURL != "redis+cluster://redis-1:6379,redis-2:6379/" || s.LogLevel != "warn" {
		t.Errorf("file not applied: %+v", c)
	}
	// Untouched settings keep their defaults.
	if c.InputTopic != "manifests" || c.MaxBatch != 1000 {
		t.Errorf("defaults lost: %+v", c)
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	kafkaFile := write("kafka", "kafka-secret\n")
	redisFile := write("redis", "redis-secret")
	keyFile := write("key", "recipient-key-secret-0123456789\r\n")
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantErr   string
		wantKafka string
		wantRedis string
		wantKey   string
	}{
		{"files by flag", []string{"--kafka-sasl-password-file", kafkaFile, "--redis-password-file", redisFile, "--recipient-key-secret-file", keyFile}, nil,
			"", "kafka-secret", "redis-secret", "recipient-key-secret-0123456789"},
		{"file by env", nil, map[string]string{"PROCESSOR_REDIS_PASSWORD_FILE": redisFile}, "", "", "redis-secret", ""},
		{"secret by env", nil, map[string]string{"REDIS_PASSWORD": "env-secret"}, "", "", "env-secret", ""},
		{"both env and file", []string{"--redis-password-file", redisFile}, map[string]string{"REDIS_PASSWORD": "env-secret"},
			"redis-password: set both by env REDIS_PASSWORD and by redis-password-file", "", "", ""},
		{"missing file", []string{"--kafka-sasl-password-file", filepath.Join(dir, "none")}, nil, "kafka-sasl-password-file:", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := resolve(t, tc.args, tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.App.KafkaSASL.Password != tc.wantKafka || s.App.RedisPassword != tc.wantRedis || s.App.RecipientKeySecret != tc.wantKey {
				t.Errorf("secrets %q %q %q, want %q %q %q", s.App.KafkaSASL.Password, s.App.RedisPassword, s.App.RecipientKeySecret,
					tc.wantKafka, tc.wantRedis, tc.wantKey)
			}
		})
	}
}

// Regression: --recipient-key-secret was a flag, so the secret showed in
// ps and in pprof's cmdline page.
func TestSecretsHaveNoFlag(t *testing.T) {
	for _, name := range []string{"kafka-sasl-password", "redis-password", "recipient-key-secret"} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		Bind(fs)
		if fs.Lookup(name) != nil {
			t.Errorf("--%s exists: a secret on the command line shows in ps", name)
		}
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"secret in the file", []string{"--config", filepath.Join("testdata", "secret.yaml")}, nil, "recipient-key-secret: a secret is not accepted in the file"},
		{"unknown key", []string{"--config", filepath.Join("testdata", "unknown.yaml")}, nil, "grup-id: not a setting of the file"},
		{"bad YAML", []string{"--config", filepath.Join("testdata", "bad.yaml")}, nil, "bad.yaml"},
		{"missing file", []string{"--config", filepath.Join("testdata", "none.yaml")}, nil, "none.yaml"},
		{"bad int names the variable", nil, map[string]string{"PROCESSOR_PARTITIONS": "many"}, "partitions (env PROCESSOR_PARTITIONS): must be a whole number"},
		{"bad duration names the flag", []string{"--state-ttl", "forever"}, nil, "state-ttl (flag --state-ttl): must be a duration"},
		{"bad bool", nil, map[string]string{"PROCESSOR_KAFKA_TLS": "maybe"}, "kafka-tls (env PROCESSOR_KAFKA_TLS): must be true or false"},
		{"bad log level", []string{"--log-level", "loud"}, nil, `log-level "loud"`},
		{"memory limit without a unit it knows", nil, map[string]string{"PROCESSOR_MEMORY_LIMIT": "512MB"}, "memory-limit (env PROCESSOR_MEMORY_LIMIT): must be auto, 0 (none), or a size of at least 64MiB such as 512MiB or 2GiB"},
		{"memory limit too small", []string{"--memory-limit", "32MiB"}, nil, "memory-limit (flag --memory-limit): must be auto, 0 (none), or a size of at least 64MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolve(t, tc.args, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestShowMasksSecrets(t *testing.T) {
	env := map[string]string{
		"RECIPIENT_KEY_SECRET": "recipient-secret-value",
		"KAFKA_SASL_PASSWORD":  "kafka-secret-value",
		"REDIS_URL":            "redis://user:url-secret-value@r1:6379,redis://user:url-secret-value@r2:6379",
		"PROCESSOR_GROUP_ID":   "shown",
	}
	s, err := resolve(t, []string{"--kafka-sasl-mechanism", "PLAIN"}, env)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.Show(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, secret := range []string{"recipient-secret-value", "kafka-secret-value", "url-secret-value"} {
		if strings.Contains(text, secret) {
			t.Errorf("Show prints %q:\n%s", secret, text)
		}
	}
	for _, want := range []string{
		`group-id: "shown"`, "# env PROCESSOR_GROUP_ID",
		`# recipient-key-secret: "********"`, "# env RECIPIENT_KEY_SECRET",
		`redis-url: "redis://user:xxxxx@r1:6379,redis://user:xxxxx@r2:6379"`,
		`kafka-sasl-mechanism: "PLAIN"`, "# flag --kafka-sasl-mechanism",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Show lacks %q:\n%s", want, text)
		}
	}
}

// TestShowIsAConfigFile proves what Show prints reads back as a
// configuration file giving the same settings (secrets aside).
func TestShowIsAConfigFile(t *testing.T) {
	s, err := resolve(t, []string{"--config", filepath.Join("testdata", "base.yaml"), "--group-id", "round-trip"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.Show(&out); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "shown.yaml")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := resolve(t, []string{"--config", path}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, st := range table {
		if st.get(again) != st.get(s) {
			t.Errorf("%s: %q after the round trip, was %q", st.name, st.get(again), st.get(s))
		}
	}
}

// No help text shows a value from the environment: the defaults -h prints
// are the built-in ones, whatever is set.
func TestHelpShowsNoEnvironmentValue(t *testing.T) {
	for _, name := range []string{"RECIPIENT_KEY_SECRET", "REDIS_URL", "PROCESSOR_REDIS_URL", "KAFKA_SASL_PASSWORD", "REDIS_PASSWORD", "PROCESSOR_WEB_CONFIG_FILE"} {
		t.Setenv(name, "env-value-"+name)
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	Bind(fs)
	fs.PrintDefaults()
	if strings.Contains(help.String(), "env-value-") {
		t.Errorf("-h shows a value from the environment:\n%s", help.String())
	}
	if !strings.Contains(help.String(), "-web-config-file") || !strings.Contains(help.String(), "PROCESSOR_WEB_CONFIG_FILE") {
		t.Errorf("-h lacks --web-config-file and its variable:\n%s", help.String())
	}
}

func TestEveryFlagHasAnEnvironmentVariable(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	Bind(fs)
	fs.VisitAll(func(f *flag.Flag) {
		env := EnvName(f.Name)
		if !strings.Contains(f.Usage, env) {
			t.Errorf("--%s: usage does not name %s: %q", f.Name, env, f.Usage)
		}
		if f.Name == "config" {
			return // names a file; tested above
		}
		// "0" is a valid value of most settings; where it is not, the
		// error shows the variable was read.
		s, err := resolve(t, nil, map[string]string{env: "0"})
		switch {
		case err != nil && !strings.Contains(err.Error(), f.Name):
			t.Errorf("%s=0: %v", env, err)
		case err == nil && s.Origin(f.Name).Source != SourceEnv:
			t.Errorf("%s does not set --%s", env, f.Name)
		}
	})
}

// command binds a command's own flags and some of run's settings, as
// replay and generate do, parses args and resolves with env.
func command(t *testing.T, args []string, env map[string]string) (*Settings, *int, *string, error) {
	t.Helper()
	fs := flag.NewFlagSet("processor test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	count := fs.Int("count", 10, "how many")
	out := fs.String("out", "", "where to")
	l := BindCommand(fs, Command{
		Settings: []string{"key-prefix", "state-ttl", "recipient-key-secret", "recipient-key-secret-file"},
		Defaults: func(s *Settings) { s.App.KeyPrefix = "s321-test" },
		Usage:    map[string]string{"state-ttl": "how long the test's totals are kept"},
		FlagOnly: []string{"key-prefix", "out"},
	})
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	s, err := l.Resolve(func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	})
	return s, count, out, err
}

func TestBindCommand(t *testing.T) {
	base := filepath.Join("testdata", "command.yaml")
	t.Run("defaults of the command", func(t *testing.T) {
		s, count, _, err := command(t, nil, nil)
		if err != nil || s.App.KeyPrefix != "s321-test" || *count != 10 || s.App.StateTTL != 192*time.Hour {
			t.Errorf("%v: prefix %q, count %d, ttl %s", err, s.App.KeyPrefix, *count, s.App.StateTTL)
		}
	})
	t.Run("own flag: file, env, flag", func(t *testing.T) {
		s, count, _, err := command(t, []string{"--config", base}, nil)
		if err != nil || *count != 7 || s.Origin("count").String() != "file "+base {
			t.Errorf("%v: count %d from %s", err, *count, s.Origin("count"))
		}
		s, count, _, err = command(t, []string{"--config", base}, map[string]string{"PROCESSOR_COUNT": "8"})
		if err != nil || *count != 8 || s.Origin("count").String() != "env PROCESSOR_COUNT" {
			t.Errorf("%v: count %d from %s", err, *count, s.Origin("count"))
		}
		s, count, _, err = command(t, []string{"--config", base, "--count", "9"}, map[string]string{"PROCESSOR_COUNT": "8"})
		if err != nil || *count != 9 || s.Origin("count").String() != "flag --count" {
			t.Errorf("%v: count %d from %s", err, *count, s.Origin("count"))
		}
	})
	t.Run("run's setting: file, env", func(t *testing.T) {
		s, _, _, err := command(t, []string{"--config", base}, map[string]string{"PROCESSOR_STATE_TTL": "1h"})
		if err != nil || s.App.StateTTL != time.Hour {
			t.Errorf("%v: ttl %s", err, s.App.StateTTL)
		}
		// group-id is run's, not the command's: ignored.
		if s.App.GroupID != "s321-processor" {
			t.Errorf("group-id %q: the file's setting of run applied to a command that does not take it", s.App.GroupID)
		}
	})
	t.Run("flag only", func(t *testing.T) {
		s, _, out, err := command(t, []string{"--config", base}, map[string]string{"PROCESSOR_KEY_PREFIX": "s321", "PROCESSOR_OUT": "x"})
		if err != nil || s.App.KeyPrefix != "s321-test" || *out != "" {
			t.Errorf("%v: prefix %q, out %q: read from outside the command line", err, s.App.KeyPrefix, *out)
		}
		s, _, _, err = command(t, []string{"--key-prefix", "s321"}, nil)
		if err != nil || s.App.KeyPrefix != "s321" {
			t.Errorf("%v: prefix %q", err, s.App.KeyPrefix)
		}
	})
	t.Run("bad own value names the variable and the rule", func(t *testing.T) {
		for _, value := range []string{"many", ""} {
			_, _, _, err := command(t, nil, map[string]string{"PROCESSOR_COUNT": value})
			if want := "count (env PROCESSOR_COUNT): must be a whole number"; err == nil || err.Error() != want {
				t.Errorf("PROCESSOR_COUNT=%q: err = %v, want %q", value, err, want)
			}
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		_, _, _, err := command(t, []string{"--config", filepath.Join("testdata", "unknown.yaml")}, nil)
		if err == nil || !strings.Contains(err.Error(), "grup-id: not a setting of the file (see processor test -h)") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an empty secret is not given", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(file, []byte("from-the-file-0123456789\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s, _, _, err := command(t, []string{"--recipient-key-secret-file", file}, map[string]string{"RECIPIENT_KEY_SECRET": ""})
		if err != nil || s.App.RecipientKeySecret != "from-the-file-0123456789" {
			t.Errorf("%v", err)
		}
	})
}

func TestBindCommandHelp(t *testing.T) {
	t.Setenv("PROCESSOR_COUNT", "12345")
	t.Setenv("PROCESSOR_STATE_TTL", "12345h")
	fs := flag.NewFlagSet("processor test", flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	fs.Int("count", 10, "how many")
	fs.String("out", "", "where to")
	BindCommand(fs, Command{
		Settings: []string{"key-prefix", "state-ttl"},
		Defaults: func(s *Settings) { s.App.KeyPrefix = "s321-test" },
		Usage:    map[string]string{"state-ttl": "how long the test's totals are kept"},
		FlagOnly: []string{"out"},
	})
	fs.PrintDefaults()
	text := help.String()
	if strings.Contains(text, "12345") {
		t.Errorf("-h shows a value from the environment:\n%s", text)
	}
	for _, want := range []string{"how many (env PROCESSOR_COUNT)", "(default s321-test)", "how long the test's totals are kept (duration; env PROCESSOR_STATE_TTL)", "-config"} {
		if !strings.Contains(text, want) {
			t.Errorf("-h lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "PROCESSOR_OUT") {
		t.Errorf("-h names a variable of a flag read from the command line alone:\n%s", text)
	}
}

// TestMemoryLimit: --memory-limit takes sizes as GOMEMLIMIT writes them,
// and auto is DefaultMemoryLimit with Redis and none on the embedded store.
func TestMemoryLimit(t *testing.T) {
	redisURL := map[string]string{"REDIS_URL": "redis://r:6379/0"}
	tests := []struct {
		args      []string
		env       map[string]string
		container int64
		want      int64
	}{
		{nil, nil, 0, 0},
		{nil, redisURL, 0, DefaultMemoryLimit},
		{nil, redisURL, 4 << 30, DefaultMemoryLimit},
		{nil, redisURL, 512 << 20, 384 << 20},
		{nil, redisURL, 80 << 20, 0},
		{nil, nil, 512 << 20, 0},
		{[]string{"--memory-limit", "0"}, redisURL, 0, 0},
		{[]string{"--memory-limit", "none"}, redisURL, 0, 0},
		{[]string{"--memory-limit", "1GiB"}, nil, 0, 1 << 30},
		{[]string{"--memory-limit", "1GiB"}, redisURL, 512 << 20, 1 << 30},
		{[]string{"--memory-limit", "300MiB"}, redisURL, 0, 300 << 20},
		{nil, map[string]string{"PROCESSOR_MEMORY_LIMIT": "100000000"}, 0, 100000000},
		{[]string{"--memory-limit", "65536KiB"}, nil, 0, 64 << 20},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.args, tc.env, tc.container), func(t *testing.T) {
			s, err := resolve(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.MemoryLimitBytes(tc.container); got != tc.want {
				t.Errorf("MemoryLimitBytes(%d) = %d, want %d", tc.container, got, tc.want)
			}
		})
	}
	for _, text := range []string{"", "auto ", "-1MiB", "1.5GiB", "512 MiB", "9999999999TiB", "63MiB", "many"} {
		if _, _, err := parseMemoryLimit(text); (err == nil) != (text == "auto ") {
			t.Errorf("parseMemoryLimit(%q): err = %v", text, err)
		}
	}
}

// TestAdvisesHeap: run backs its heap with huge pages only when asked to
// (--huge-pages) and the store or the broker is embedded; a processor on
// Redis and Kafka does not, asked or not.
func TestAdvisesHeap(t *testing.T) {
	both := map[string]string{"REDIS_URL": "redis://r:6379/0", "PROCESSOR_BROKERS": "k:9092"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"by default", nil, nil, false},
		{"everything embedded", []string{"--huge-pages"}, nil, true},
		{"on Redis, the broker embedded", []string{"--huge-pages"}, map[string]string{"REDIS_URL": "redis://r:6379/0"}, true},
		{"on Kafka, the store embedded", []string{"--huge-pages", "--brokers", "k:9092"}, nil, true},
		{"on Redis and Kafka", []string{"--huge-pages"}, both, false},
		{"turned on in the environment", nil, map[string]string{"PROCESSOR_HUGE_PAGES": "true"}, true},
		{"turned off", []string{"--huge-pages=false"}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := resolve(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.AdvisesHeap(); got != tc.want {
				t.Errorf("AdvisesHeap() = %v, want %v", got, tc.want)
			}
		})
	}
}
