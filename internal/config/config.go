package config

import (
	"errors"
	"flag"
	"fmt"
	"math"
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
	// MemoryLimit is --memory-limit as given: "auto", "0" or a size such
	// as "512MiB". MemoryLimitBytes resolves it.
	MemoryLimit string
	// HugePages backs the heap with transparent huge pages when the store
	// or the broker is embedded (internal/hugepages). Default false.
	HugePages bool
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

// Loader binds settings to a flag set, then resolves them once the flags
// are parsed.
type Loader struct {
	fs   *flag.FlagSet
	file string // --config
	// settings are the settings of run the command takes; bound indexes
	// them by name.
	settings []*setting
	bound    map[string]bool
	defaults func(*Settings)
	// own are the flags the command defines itself, by name.
	own      map[string]*flag.Flag
	flagOnly map[string]bool
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

// Bind defines a flag on fs for every setting of `processor run` that has
// one, and --config. Flags already defined on fs are the command's own, as
// with BindCommand.
func Bind(fs *flag.FlagSet) *Loader {
	return bind(fs, table, Command{})
}

// Command is what a command other than run takes from the configuration:
// some of run's settings, with defaults of its own, beside the flags it
// defines itself. Each is read with run's precedence (flag > environment >
// file > default), and no help text shows a value from the environment.
type Command struct {
	// Settings names the settings of run the command takes.
	Settings []string
	// Defaults, when set, changes the command's defaults of those
	// settings; -h shows the changed ones.
	Defaults func(*Settings)
	// Usage replaces the help text of some of those settings, by name.
	Usage map[string]string
	// FlagOnly names settings, run's or the command's own, read from the
	// command line alone, never from the environment or the file: those
	// that would make the command write into a running processor's data
	// because the processor's environment or file is shared.
	FlagOnly []string
}

// BindCommand defines on fs a flag for each setting of cmd.Settings, and
// --config. Every flag already defined on fs is the command's own setting:
// it is read, with the same precedence, from the variable EnvName(name)
// and from the key name of the file. Keys of the file that are settings
// of run the command does not take are ignored, so one file serves every
// command. It panics on a name that is not a setting of run: the command
// is wrong, not its input.
func BindCommand(fs *flag.FlagSet, cmd Command) *Loader {
	settings := make([]*setting, 0, len(cmd.Settings))
	for _, name := range cmd.Settings {
		st := byName(name)
		if st == nil {
			panic("config: " + name + " is not a setting of processor run")
		}
		settings = append(settings, st)
	}
	return bind(fs, settings, cmd)
}

func bind(fs *flag.FlagSet, settings []*setting, cmd Command) *Loader {
	l := &Loader{fs: fs, settings: settings, bound: map[string]bool{}, defaults: cmd.Defaults,
		own: map[string]*flag.Flag{}, flagOnly: map[string]bool{}}
	for _, name := range cmd.FlagOnly {
		l.flagOnly[name] = true
	}
	fs.VisitAll(func(f *flag.Flag) {
		l.own[f.Name] = f
		if !l.flagOnly[f.Name] {
			f.Usage += " (env " + EnvName(f.Name) + ")"
		}
	})
	defaults := l.defaultSettings()
	fs.StringVar(&l.file, "config", "", "YAML `file` of settings (keys are flag names); flags and environment override it (env "+EnvName("config")+")")
	for _, st := range settings {
		l.bound[st.name] = true
		if st.noFlag {
			continue
		}
		text := st.usage
		if u, ok := cmd.Usage[st.name]; ok {
			text = u
		}
		// The backquoted word is what -h shows as the flag's argument.
		var usage string
		switch arg := st.argName(); {
		case l.flagOnly[st.name] && arg != "":
			usage = text + " (`" + arg + "`)"
		case l.flagOnly[st.name]:
			usage = text
		case arg != "":
			usage = text + " (`" + arg + "`; env " + strings.Join(st.envNames(), ", ") + ")"
		default:
			usage = text + " (env " + strings.Join(st.envNames(), ", ") + ")"
		}
		fs.Var(&rawFlag{def: st.get(defaults), isBool: st.kind == kindBool}, st.name, usage)
	}
	return l
}

func (l *Loader) defaultSettings() *Settings {
	s := defaultSettings()
	if l.defaults != nil {
		l.defaults(s)
	}
	return s
}

// Resolve applies the file, the environment and the parsed flags, in that
// order, over the defaults, then reads secrets from their files. The
// command's own flags get their values from the file and the environment
// unless given on the command line. lookupEnv is os.LookupEnv outside
// tests. Every bad value is reported, joined.
func (l *Loader) Resolve(lookupEnv func(string) (string, bool)) (*Settings, error) {
	s := l.defaultSettings()
	var errs []error
	apply := func(st *setting, text string, origin Origin) {
		if err := st.set(s, text); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", st.name, origin, err))
			return
		}
		s.origins[st.name] = origin
	}
	onCommandLine := map[string]bool{}
	l.fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	applyOwn := func(f *flag.Flag, text string, origin Origin) {
		if text == "" && isBoolFlag(f) {
			text = "false" // as for run's settings: empty is false
		}
		if err := f.Value.Set(text); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", f.Name, origin, ownValueError(f, err)))
			return
		}
		s.origins[f.Name] = origin
	}
	// own returns the command's flag called name, unless it is read from
	// the command line alone or was given there.
	own := func(name string) *flag.Flag {
		if f := l.own[name]; f != nil && !l.flagOnly[name] && !onCommandLine[name] {
			return f
		}
		return nil
	}
	// takes reports whether run's setting st is read from outside the
	// command line.
	takes := func(st *setting) bool { return l.bound[st.name] && l.own[st.name] == nil && !l.flagOnly[st.name] }

	s.File = l.file
	if s.File == "" {
		s.File, _ = lookupEnv(EnvName("config"))
	}
	if s.File != "" {
		values, err := readFile(s.File, l.accepts)
		if err != nil {
			return nil, err
		}
		origin := Origin{SourceFile, s.File}
		for _, st := range l.settings {
			if text, ok := values[st.name]; ok && takes(st) {
				apply(st, text, origin)
			}
		}
		for _, name := range l.ownNames() {
			if text, ok := values[name]; ok && own(name) != nil {
				applyOwn(own(name), text, origin)
			}
		}
	}
	for _, st := range l.settings {
		if !takes(st) {
			continue
		}
		for _, env := range st.envNames() {
			if text, ok := lookupEnv(env); ok {
				apply(st, text, Origin{SourceEnv, env})
				break
			}
		}
	}
	for _, name := range l.ownNames() {
		if f := own(name); f != nil {
			if text, ok := lookupEnv(EnvName(name)); ok {
				applyOwn(f, text, Origin{SourceEnv, EnvName(name)})
			}
		}
	}
	l.fs.Visit(func(f *flag.Flag) {
		if l.own[f.Name] != nil {
			s.origins[f.Name] = Origin{SourceFlag, "--" + f.Name}
		} else if st := byName(f.Name); st != nil && l.bound[f.Name] {
			apply(st, f.Value.String(), Origin{SourceFlag, "--" + f.Name})
		}
	})
	errs = append(errs, s.readSecretFiles(l.settings))
	if _, err := zapcore.ParseLevel(s.LogLevel); err != nil {
		errs = append(errs, fmt.Errorf("log-level %q: must be debug, info, warn or error", s.LogLevel))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// ownNames are the names of the command's own flags, sorted, so errors
// come in the same order every time.
func (l *Loader) ownNames() []string {
	names := make([]string, 0, len(l.own))
	for name := range l.own {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// accepts says why the file may not hold key, or nil: a setting of the
// command or of run, not a secret.
func (l *Loader) accepts(key string) error {
	if l.own[key] != nil {
		return nil
	}
	st := byName(key)
	switch {
	case st == nil || st.noFile:
		return fmt.Errorf("not a setting of the file (see %s -h)", l.fs.Name())
	case st.secret:
		return fmt.Errorf("a secret is not accepted in the file; use env %s or %s-file", st.envNames()[0], key)
	}
	return nil
}

// ownValueError is the rule a command's own flag broke, as run's
// settings state theirs, where the flag package says only "parse error";
// err itself for a flag of another kind.
func ownValueError(f *flag.Flag, err error) error {
	getter, ok := f.Value.(flag.Getter)
	if !ok {
		return err
	}
	switch getter.Get().(type) {
	case bool:
		return errNotBool
	case int, int64, uint, uint64:
		return errNotWhole
	case float64:
		return errNotNumber
	case time.Duration:
		return errNotDuration
	}
	return err
}

// The rules a value of a setting or flag breaks.
var (
	errNotBool        = errors.New("must be true or false")
	errNotWhole       = errors.New("must be a whole number")
	errNotNumber      = errors.New("must be a number")
	errNotDuration    = errors.New("must be a duration such as 30s or 5m")
	errNotMemoryLimit = fmt.Errorf("must be auto, 0 (none), or a size of at least %dMiB such as 512MiB or 2GiB", minMemoryLimit>>20)
)

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// readFile reads the YAML file into setting texts: scalars as written,
// lists joined with commas. Keys accepts refuses are reported.
func readFile(path string, accepts func(key string) error) (map[string]string, error) {
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
		if err := accepts(key); err != nil {
			errs = append(errs, fmt.Errorf("config %s: %s: %w", path, key, err))
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

// readSecretFiles reads each secret of settings whose -file setting is
// set. Giving both the secret and its file is refused: one of them would
// be silently ignored. An empty secret is not given.
func (s *Settings) readSecretFiles(settings []*setting) error {
	var errs []error
	for _, st := range settings {
		if st.secretFile == "" {
			continue
		}
		path := s.textOf(st.secretFile)
		if path == "" {
			continue
		}
		if s.Origin(st.name).Source != SourceDefault && st.get(s) != "" {
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
	return &Settings{App: app.DefaultConfig(), LogLevel: "info", MemoryLimit: "auto", origins: map[string]Origin{}}
}

// AdvisesHeap says whether run backs its heap with transparent huge
// pages: with --huge-pages, when the store or the broker is embedded,
// whose heaps grow with the days and the topics they hold. A processor on
// Redis and Kafka holds a heap bounded by --memory-limit, which huge
// pages did not measurably speed up.
func (s *Settings) AdvisesHeap() bool {
	return s.HugePages && (s.App.RedisURL == "" || len(s.App.Brokers) == 0)
}

// DefaultMemoryLimit is what --memory-limit auto gives with Redis: room
// over what a processor keeps live at the default settings (its batches,
// fetched messages and bounded caches), which with Go's own collector
// peaked at 194 to 234 MiB of RSS in drains of 100,000 to 1,000,000
// parcels (docs/performance.md, Memory).
const DefaultMemoryLimit = 512 << 20

// minMemoryLimit is the least --memory-limit accepted: below it the
// collector would run nearly all the time.
const minMemoryLimit = 64 << 20

// MemoryLimitBytes is the memory the Go runtime may grow to before the
// collector runs, in bytes, or 0 for none (the collector runs as Go's
// default has it). container is the memory limit of the process's
// container (its cgroup), 0 when it has none. auto is DefaultMemoryLimit
// with --redis-url, or three quarters of the container's memory when that
// is less (none when that is under 64MiB), and none on the embedded store,
// whose state grows with the days it holds.
func (s *Settings) MemoryLimitBytes(container int64) int64 {
	limit, auto, err := parseMemoryLimit(s.MemoryLimit)
	switch {
	case err != nil:
		return 0 // refused when the settings were resolved
	case !auto:
		return limit
	case s.App.RedisURL == "":
		return 0
	}
	if share := container / 4 * 3; container > 0 && share < DefaultMemoryLimit {
		if share < minMemoryLimit {
			return 0
		}
		return share
	}
	return DefaultMemoryLimit
}

// memoryUnits are the units of a size, as GOMEMLIMIT writes them.
var memoryUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

// parseMemoryLimit reads --memory-limit: auto, 0 or none, or a whole
// number of bytes with an optional unit (B, KiB, MiB, GiB, TiB).
func parseMemoryLimit(text string) (limit int64, auto bool, err error) {
	text = strings.TrimSpace(text)
	switch text {
	case "auto":
		return 0, true, nil
	case "0", "none":
		return 0, false, nil
	}
	number, shift := text, uint(0)
	for _, u := range memoryUnits {
		if n, ok := strings.CutSuffix(text, u.suffix); ok {
			number, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(number, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift || n<<shift < minMemoryLimit {
		return 0, false, errNotMemoryLimit
	}
	return n << shift, false, nil
}

// parse helpers for the setting table.

func parseBool(text string) (bool, error) {
	if text == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(text)
	if err != nil {
		return false, errNotBool
	}
	return b, nil
}

func parseInt(text string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return 0, errNotWhole
	}
	return n, nil
}

func parseDuration(text string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(text))
	if err != nil {
		return 0, errNotDuration
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
