// Package manifest decodes and validates one manifest.v1 message, the input
// of the processor described in the wire contract (EVENTS.md), into a typed
// Manifest.
//
// It owns the input's wire format: which members exist, their JSON types,
// their defaults, and the rules a message must meet before anything else
// looks at it. Every rejection is a *FieldError that names the member by its
// path ("items[3].value") and the rule it breaks; the error text never
// repeats any part of the message, so it is safe to log.
//
// It deliberately does not convert currencies, compute entry dates, normalize
// or hash recipient identities, or decide anything about a parcel: those
// belong to the packages that use a Manifest. It does no I/O, logs nothing,
// and reads no clock.
//
// The decoder is a small single-pass JSON scanner written for this one
// schema rather than encoding/json: it reads money exactly from the literal
// as written (never through float64), reports wrong types with the item
// index in the path, refuses repeated members instead of letting the last
// one silently win, and decodes a typical message with a handful of
// allocations.
package manifest
