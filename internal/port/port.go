// Package port knows the CBP ports of entry: for a 4-digit port code, the
// IANA time zone of the port, so that a parcel's day of importation can be
// the calendar date at the port (19 CFR 101.1).
//
// It owns the embedded table ports.csv (its source is in the file and in
// docs/regimes.md) and its format. It does not decide which date a parcel
// gets (package process does, falling back to --entry-day-tz for a port it
// does not know), and it reads no clock and does no I/O.
package port

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the zones must load the same on every machine
)

//go:embed ports.csv
var builtinCSV []byte

// header is the first line of a port table, after its comments.
const header = "code,time_zone,name"

// Table maps CBP port codes to their time zones. It is immutable and safe
// for concurrent use.
type Table struct {
	ports map[string]entry
}

type entry struct {
	zone *time.Location
	name string
}

var builtinTable = sync.OnceValue(func() *Table {
	table, err := Parse(builtinCSV)
	if err != nil {
		// The embedded file is part of the program; TestBuiltin keeps this
		// from happening in a build that passed its tests.
		panic("port: built-in ports.csv: " + err.Error())
	}
	return table
})

// Builtin returns the built-in table of CBP ports, parsed once.
func Builtin() *Table { return builtinTable() }

// Parse reads a port table: lines starting with '#' are comments, then the
// header "code,time_zone,name" and one port a line. A code is 4 digits and
// appears once; a time zone is an IANA name the embedded time zone
// database knows. Errors name the line and the field.
func Parse(data []byte) (*Table, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = 3
	first, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("port table: header: %w", err)
	}
	if strings.Join(first, ",") != header {
		return nil, fmt.Errorf("port table: header %q: must be %s", strings.Join(first, ","), header)
	}
	t := &Table{ports: map[string]entry{}}
	zones := map[string]*time.Location{}
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("port table: %w", err)
		}
		line, _ := r.FieldPos(0)
		code, zoneName, name := record[0], record[1], record[2]
		if !isCode(code) {
			return nil, fmt.Errorf("port table: line %d: code %q: must be 4 digits", line, code)
		}
		if _, dup := t.ports[code]; dup {
			return nil, fmt.Errorf("port table: line %d: code %s: appears more than once", line, code)
		}
		zone, ok := zones[zoneName]
		if !ok {
			// LoadLocation also accepts "UTC", "Local" and "": a port's zone
			// must be a real place.
			if zoneName == "" || zoneName == "Local" || zoneName == "UTC" || !strings.Contains(zoneName, "/") {
				return nil, fmt.Errorf("port table: line %d: time_zone %q: must be an IANA zone name like America/Chicago", line, zoneName)
			}
			if zone, err = time.LoadLocation(zoneName); err != nil {
				return nil, fmt.Errorf("port table: line %d: time_zone %q: not in the time zone database", line, zoneName)
			}
			zones[zoneName] = zone
		}
		t.ports[code] = entry{zone: zone, name: name}
	}
	return t, nil
}

// Zone returns the time zone of the port with the code, and whether the
// table knows it.
func (t *Table) Zone(code string) (*time.Location, bool) {
	if t == nil {
		return nil, false
	}
	e, ok := t.ports[code]
	return e.zone, ok
}

// Name returns the port's name as the table writes it, or "".
func (t *Table) Name(code string) string {
	if t == nil {
		return ""
	}
	return t.ports[code].name
}

// Len is the number of ports in the table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.ports)
}

func isCode(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
