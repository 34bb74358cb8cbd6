package app_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/window"
)

// The explanation says why a gift claim was not honoured.
func TestExplainGiftNotHonoured(t *testing.T) {
	suspended := decide.Builtin().At(mustTime(t, "2026-03-02T15:00:00Z")).Doc()
	noAllowance := suspended
	noAllowance.GiftAllowance = nil
	gift := func(id string, seq int64, value string) window.DayParcel {
		return window.DayParcel{ParcelID: id, Value: value, Gift: true, Status: "active", Evaluated: seq}
	}
	tests := []struct {
		name      string
		regime    decide.RegimeDoc
		exemption string
		parcels   []window.DayParcel
		want      string // "" for no gift line
	}{
		{"over the allowance", suspended, "null", []window.DayParcel{gift("G1", 1, "60.00"), gift("G2", 2, "50.00")},
			"gift claim not honoured: the recipient's gifts that day came to $110.00 with this parcel, over the $100 allowance (19 U.S.C. 1321(a)(2)(A)); gifts sent from AS, GU, VI have their own allowance"},
		{"within the allowance: restricted", suspended, "null", []window.DayParcel{gift("G2", 1, "20.00")},
			"gift claim not honoured: an item is restricted, and restricted goods are never exempt as gifts"},
		{"no allowance", noAllowance, "null", []window.DayParcel{gift("G2", 1, "20.00")},
			"gift claim not honoured: the regime in force grants no gift allowance"},
		{"honoured", suspended, `"gift"`, []window.DayParcel{gift("G2", 1, "20.00")}, ""},
		{"no gift claimed", suspended, "null", []window.DayParcel{{ParcelID: "G2", Value: "20.00", Status: "active", Evaluated: 1}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			regime := tc.regime
			exp := &app.Explanation{
				ParcelID: "G2",
				Decision: []byte(`{"decision":"formal_entry_required","entry_type":"informal","exemption":` + tc.exemption + `,"recipient_key":"abc"}`),
				Regime:   &regime,
				Day:      &window.Day{Parcels: tc.parcels},
			}
			var text bytes.Buffer
			if err := exp.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			got := text.String()
			if tc.want == "" {
				if strings.Contains(got, "gift claim") {
					t.Errorf("unexpected gift line:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("explanation lacks %q:\n%s", tc.want, got)
			}
		})
	}
}

func mustTime(t *testing.T, text string) time.Time {
	t.Helper()
	instant, err := time.Parse(time.RFC3339, text)
	if err != nil {
		t.Fatal(err)
	}
	return instant
}

// Regression: a purchase that claimed to be a gift does not count toward
// the recipient's gifts, so its day no longer showed the claim and the
// explanation said nothing of it. The kept decision now says why.
func TestExplainSaysAPurchaseIsNoGift(t *testing.T) {
	exp := &app.Explanation{
		ParcelID: "G3",
		Decision: []byte(`{"decision":"formal_entry_required","entry_type":"informal","exemption":null,"recipient_key":"abc","gift_refused":"purchase"}`),
		Day:      &window.Day{Parcels: []window.DayParcel{{ParcelID: "G3", Value: "20.00", Status: "active", Evaluated: 1}}},
	}
	var text bytes.Buffer
	if err := exp.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "gift claim not honoured: the manifest names a seller, a marketplace or an order number"; !strings.Contains(text.String(), want) {
		t.Errorf("explanation lacks %q:\n%s", want, text.String())
	}
}
