// Package generate produces a seeded stream of realistic manifest.v1
// messages (see the wire contract, EVENTS.md) for the demo, the benchmarks
// and the generate command.
//
// It owns the synthetic world those messages come from: a population of
// recipients with invented names and plausible US addresses, carriers and
// their habits (parcel id formats, time stamps, modes, ports of entry), a
// catalogue of goods with HTS codes, origins and prices, and the patterns
// the processor must notice: recipients with several parcels on one day,
// orders split into parcels that each stay under $800, restricted goods,
// invalid messages and messages re-sent unchanged. Each message carries the
// Kind the generator meant, so tests and summaries can compare what the
// processor saw with what was sent.
//
// It is pure: no I/O, no clock (the arrival-time range comes in the Config)
// and no global random source. All randomness comes from math/rand/v2 PCG
// generators seeded from Config.Seed, so one seed gives one stream, byte for
// byte, on every machine. The time zone database is embedded (time/tzdata)
// for the same reason: local time stamps must not depend on the host.
//
// It deliberately does not validate or decode messages (package manifest
// does), decide anything about a parcel, or send anything anywhere.
//
// Messages are written with strconv-style appends into reused buffers, not
// through encoding/json: the benchmarks preload a million of them.
package generate
