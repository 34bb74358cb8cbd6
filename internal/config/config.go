package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	"go.yaml.in/yaml/v3"

	"github.com/s321/s321/internal/app"
)

// Source says where a setting's value came from.
type Source string

// The sources, from the weakest to the strongest.
const (
	SourceDefault Source = "default"
	SourceFile    Source = "file"
	SourceEnv     Source = "env"
	SourceFlag    Source = "flag"
)

// Origin is where one setting's value came from: the source and, for the
// environment, the variable's name, for a file its path.
type Origin struct {
	Source Source
	Where  string
}

// String reads like "env KAFKA_BROKERS" or "default".
func (o Origin) String() string {
	if o.Where == "" {
		return string(o.Source)
	}
	return string(o.Source) + " " + o.Where
}

// Settings is a resolved configuration of `processor run`.
type Settings struct {
	// App is the processor's configuration, not yet validated.
	App app.Config
	// LogLevel is debug, info, warn or error. Default "info".
	LogLevel string
	// File is the YAML file read, or empty.
	File string

	origins map[string]Origin
	// passwordFiles are the paths of the secrets' files.
	passwordFiles struct{ kafka, redis, recipientKey string }
}

// Origin returns where the setting name (a flag name) got its value.
func (s *Settings) Origin(name string) Origin {
	if o, ok := s.origins[name]; ok {
		return o
	}
	return Origin{Source: SourceDefault}
}

// EnvPrefix starts every setting's environment variable.
const EnvPrefix = "PROCESSOR_"

// EnvName is the environment variable of a setting: PROCESSOR_ and the
// name upper-cased with underscores.
func EnvName(name string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Loader binds the settings to a flag set, then resolves them once the
// flags are parsed.
type Loader struct {
	fs   *flag.FlagSet
	file string // --config
}

// rawFlag records a flag's text; Resolve applies it last, so a flag beats
// the environment and the file whatever the order of parsing.
type rawFlag struct {
	text, def string
	set       bool
	isBool    bool
}

func (f *rawFlag) String() string {
	if f == nil {
		return ""
	}
	if f.set {
		return f.text
	}
	return f.def
}

func (f *rawFlag) Set(text string) error {
	f.text, f.set = text, true
	return nil
}

func (f *rawFlag) IsBoolFlag() bool { return f != nil && f.isBool }

// Bind defines a flag on fs for every setting that has one, and --config.
func Bind(fs *flag.FlagSet) *Loader {
	l := &Loader{fs: fs}
	defaults := defaultSettings()
	fs.StringVar(&l.file, "config", "", "YAML `file` of settings (keys are flag names); flags and environment override it (env "+EnvName("config")+")")
	for _, st := range table {
		if st.noFlag {
			continue
		}
		// The backquoted word is what -h shows as the flag's argument.
		usage := st.usage + " (env " + strings.Join(st.envNames(), ", ") + ")"
		if arg := st.argName(); arg != "" {
			usage = st.usage + " (`" + arg + "`; env " + strings.Join(st.envNames(), ", ") + ")"
		}
		fs.Var(&rawFlag{def: st.get(defaults), isBool: st.kind == kindBool}, st.name, usage)
	}
	return l
}

// Resolve applies the file, the environment and the parsed flags, in that
// order, over the defaults, then reads secrets from their files. lookupEnv
// is os.LookupEnv outside tests. Every bad value is reported, joined.
func (l *Loader) Resolve(lookupEnv func(string) (string, bool)) (*Settings, error) {
	s := defaultSettings()
	var errs []error
	apply := func(st *setting, text string, origin Origin) {
		if err := st.set(s, text); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", st.name, origin, err))
			return
		}
		s.origins[st.name] = origin
	}

	s.File = l.file
	if s.File == "" {
		s.File, _ = lookupEnv(EnvName("config"))
	}
	if s.File != "" {
		values, err := readFile(s.File)
		if err != nil {
			return nil, err
		}
		for _, st := range table {
			if text, ok := values[st.name]; ok {
				apply(st, text, Origin{SourceFile, s.File})
			}
		}
	}
	for _, st := range table {
		for _, env := range st.envNames() {
			if text, ok := lookupEnv(env); ok {
				apply(st, text, Origin{SourceEnv, env})
				break
			}
		}
	}
	l.fs.Visit(func(f *flag.Flag) {
		if st := byName(f.Name); st != nil {
			apply(st, f.Value.String(), Origin{SourceFlag, "--" + f.Name})
		}
	})
	errs = append(errs, s.readSecretFiles())
	if _, err := zapcore.ParseLevel(s.LogLevel); err != nil {
		errs = append(errs, fmt.Errorf("log-level %q: must be debug, info, warn or error", s.LogLevel))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// readFile reads the YAML file into setting texts: scalars as written,
// lists joined with commas. Unknown keys and secrets are refused.
func readFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	out := map[string]string{}
	var errs []error
	keys := make([]string, 0, len(doc))
	for key := range doc {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		st := byName(key)
		switch {
		case st == nil || st.noFile:
			errs = append(errs, fmt.Errorf("config %s: %s: not a setting of the file (see processor run -h)", path, key))
			continue
		case st.secret:
			errs = append(errs, fmt.Errorf("config %s: %s: a secret is not accepted in the file; use env %s or %s-file", path, key, st.envNames()[0], key))
			continue
		}
		text, err := scalarText(doc[key])
		if err != nil {
			errs = append(errs, fmt.Errorf("config %s: %s: %w", path, key, err))
			continue
		}
		out[key] = text
	}
	return out, errors.Join(errs...)
}

func scalarText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			text, err := scalarText(item)
			if err != nil {
				return "", err
			}
			if _, nested := item.([]any); nested {
				return "", errors.New("a list of lists is not a setting")
			}
			parts[i] = text
		}
		return strings.Join(parts, ","), nil
	default:
		return "", fmt.Errorf("%T is not a setting value", v)
	}
}

// readSecretFiles reads each secret whose -file setting is set. Giving
// both the secret and its file is refused: one of them would be silently
// ignored.
func (s *Settings) readSecretFiles() error {
	var errs []error
	for _, st := range table {
		if st.secretFile == "" {
			continue
		}
		path := s.textOf(st.secretFile)
		if path == "" {
			continue
		}
		if s.Origin(st.name).Source != SourceDefault {
			errs = append(errs, fmt.Errorf("%s: set both by %s and by %s-file; give one", st.name, s.Origin(st.name), st.name))
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s-file: %w", st.name, err))
			continue
		}
		// A trailing newline is the file's, not the secret's.
		secret := strings.TrimRight(string(data), "\r\n")
		if err := st.set(s, secret); err != nil {
			errs = append(errs, fmt.Errorf("%s-file: %w", st.name, err))
			continue
		}
		s.origins[st.name] = Origin{SourceFile, path}
	}
	return errors.Join(errs...)
}

func (s *Settings) textOf(name string) string {
	if st := byName(name); st != nil {
		return st.get(s)
	}
	return ""
}

func defaultSettings() *Settings {
	return &Settings{App: app.DefaultConfig(), LogLevel: "info", origins: map[string]Origin{}}
}

// parse helpers for the setting table.

func parseBool(text string) (bool, error) {
	if text == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(text)
	if err != nil {
		return false, errors.New("must be true or false")
	}
	return b, nil
}

func parseInt(text string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return 0, errors.New("must be a whole number")
	}
	return n, nil
}

func parseDuration(text string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(text))
	if err != nil {
		return 0, errors.New("must be a duration such as 30s or 5m")
	}
	return d, nil
}

func splitList(text string) []string {
	var out []string
	for _, part := range strings.Split(text, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
