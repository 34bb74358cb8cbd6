package port

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"
)

// Every line of the shipped table parses, and every zone it names is one the
// embedded time zone database knows: Parse loads each.
func TestBuiltin(t *testing.T) {
	table, err := Parse(builtinCSV)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	scanner := bufio.NewScanner(bytes.NewReader(builtinCSV))
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" || strings.HasPrefix(line, "#") || line == header {
			continue
		}
		lines++
		code, rest, _ := strings.Cut(line, ",")
		zoneName, _, _ := strings.Cut(rest, ",")
		zone, ok := table.Zone(code)
		if !ok {
			t.Errorf("port %s is in the file but not in the table", code)
			continue
		}
		if zone.String() != zoneName {
			t.Errorf("port %s: zone %s, file says %s", code, zone, zoneName)
		}
		if _, err := time.LoadLocation(zoneName); err != nil {
			t.Errorf("port %s: zone %s: %v", code, zoneName, err)
		}
		if table.Name(code) == "" {
			t.Errorf("port %s has no name", code)
		}
	}
	if lines != table.Len() || lines < 400 {
		t.Errorf("%d lines, %d ports: want every line a port, and the whole list", lines, table.Len())
	}
}

// The ports whose zone is not their state's first zone, and one of each
// other zone, checked against what the map of U.S. time zones says.
func TestBuiltinZones(t *testing.T) {
	tests := []struct {
		code, zone string
	}{
		{"4701", "America/New_York"},             // JFK
		{"0101", "America/New_York"},             // Portland, Maine
		{"3901", "America/Chicago"},              // Chicago
		{"3905", "America/Chicago"},              // Gary, Indiana: Lake County is Central
		{"4110", "America/Indiana/Indianapolis"}, // Indianapolis
		{"4115", "America/Kentucky/Louisville"},  // Louisville
		{"4116", "America/Chicago"},              // Owensboro, Kentucky
		{"1819", "America/Chicago"},              // Pensacola, Florida
		{"1801", "America/New_York"},             // Tampa
		{"2008", "America/New_York"},             // Chattanooga, Tennessee
		{"2006", "America/Chicago"},              // Memphis
		{"2402", "America/Denver"},               // El Paso, Texas
		{"2403", "America/Chicago"},              // Presidio, Texas
		{"2604", "America/Phoenix"},              // Nogales, Arizona: no daylight saving
		{"2907", "America/Boise"},                // Boise
		{"3302", "America/Los_Angeles"},          // Eastport, Idaho
		{"3310", "America/Denver"},               // Sweetgrass, Montana
		{"3801", "America/Detroit"},              // Detroit
		{"3126", "America/Anchorage"},            // Anchorage
		{"3101", "America/Juneau"},               // Juneau
		{"3201", "Pacific/Honolulu"},             // Honolulu
		{"4909", "America/Puerto_Rico"},          // San Juan
		{"5101", "America/St_Thomas"},            // Charlotte Amalie
		{"2720", "America/Los_Angeles"},          // LAX
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			zone, ok := Builtin().Zone(tc.code)
			if !ok || zone.String() != tc.zone {
				t.Errorf("Zone(%s) = %v %v, want %s", tc.code, zone, ok, tc.zone)
			}
		})
	}
	for _, code := range []string{"0000", "9999", "7000", "8000", "47011", "", "abcd"} {
		if zone, ok := Builtin().Zone(code); ok {
			t.Errorf("Zone(%q) = %v, want unknown", code, zone)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"no header", "", "port table: header: EOF"},
		{"wrong header", "code,zone,name\n", `port table: header "code,zone,name": must be code,time_zone,name`},
		{"short code", header + "\n470,America/New_York,JFK\n", `port table: line 2: code "470": must be 4 digits`},
		{"letters", header + "\n47A1,America/New_York,JFK\n", `port table: line 2: code "47A1": must be 4 digits`},
		{"repeated", header + "\n4701,America/New_York,JFK\n4701,America/New_York,JFK\n", "port table: line 3: code 4701: appears more than once"},
		{"unknown zone", header + "\n4701,America/Gotham,JFK\n", `port table: line 2: time_zone "America/Gotham": not in the time zone database`},
		{"UTC is not a place", header + "\n4701,UTC,JFK\n", `port table: line 2: time_zone "UTC": must be an IANA zone name like America/Chicago`},
		{"fixed offset", header + "\n4701,EST,JFK\n", `port table: line 2: time_zone "EST": must be an IANA zone name like America/Chicago`},
		{"empty zone", header + "\n4701,,JFK\n", `port table: line 2: time_zone "": must be an IANA zone name like America/Chicago`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.data))
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
	var none *Table
	if _, ok := none.Zone("4701"); ok || none.Len() != 0 || none.Name("4701") != "" {
		t.Error("a nil table knows a port")
	}
}
