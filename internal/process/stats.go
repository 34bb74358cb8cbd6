package process

import (
	"sync/atomic"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/manifest"
)

// Stats counts what a Processor has published since it started. Every
// field is updated once per successfully processed batch, so a retried
// batch is counted once.
type Stats struct {
	// Cleared and FormalEntryRequired count decisions by outcome, first
	// deliveries and redeliveries alike.
	Cleared             atomic.Int64
	FormalEntryRequired atomic.Int64
	// Redelivered counts parcels seen again, answered with their first
	// decision and not counted twice.
	Redelivered atomic.Int64
	// Alerts counts alert versions published; AlertsSplitOrder and
	// AlertsAddressCluster count those of these kinds, the rest are
	// split_shipment.
	Alerts               atomic.Int64
	AlertsSplitOrder     atomic.Int64
	AlertsAddressCluster atomic.Int64
	// Rejected counts messages sent to the DLQ.
	Rejected atomic.Int64
	// Amended and Cancelled count amend and cancel events applied.
	Amended   atomic.Int64
	Cancelled atomic.Int64
	// Gifts counts parcels cleared as gifts.
	Gifts atomic.Int64
	// Shadowed counts decisions evaluated again against the what-if table,
	// and ShadowDiffers those whose what-if decision differs from the live
	// one.
	Shadowed      atomic.Int64
	ShadowDiffers atomic.Int64

	reasons  [len(reasonOrder)]atomic.Int64
	rejected [len(rejectClasses)]atomic.Int64
}

// rejectClasses are the bounded classes DLQ messages are counted by: the
// manifest field at fault, or what else was wrong.
var rejectClasses = [...]string{
	"message_size", "message_encoding", "exchange_rate", "amend_cancel",
	"parcel_id", "event_id", "type", "carrier", "mode", "port_of_entry",
	"arrival_time", "recipient", "shipper", "items", "other",
}

// ClassCount is how many messages went to the DLQ for one class of error.
type ClassCount struct {
	Class string
	Count int64
}

// Rejections returns the DLQ counts by class of error, always in the same
// order.
func (s *Stats) Rejections() []ClassCount {
	out := make([]ClassCount, len(rejectClasses))
	for i, class := range rejectClasses {
		out[i] = ClassCount{Class: class, Count: s.rejected[i].Load()}
	}
	return out
}

// reasonOrder lists the reason codes in the contract's order.
var reasonOrder = [...]decide.Reason{
	decide.ReasonSuspended,
	decide.ReasonOriginExcluded,
	decide.ReasonRestricted,
	decide.ReasonValueOver,
	decide.ReasonDailyTotalOver,
}

// ReasonCount is how many decisions carried one reason.
type ReasonCount struct {
	Reason string
	Count  int64
}

// Reasons returns how many decisions carried each reason, in the
// contract's order.
func (s *Stats) Reasons() []ReasonCount {
	out := make([]ReasonCount, len(reasonOrder))
	for i, r := range reasonOrder {
		out[i] = ReasonCount{Reason: string(r), Count: s.reasons[i].Load()}
	}
	return out
}

// tally counts one batch, added to Stats only once the batch succeeded.
type tally struct {
	cleared, formal, redelivered, alerts, rejected     int64
	amended, cancelled, gifts, shadowed, shadowDiffers int64
	alertsSplitOrder, alertsAddressCluster             int64
	rejectedBy                                         [len(rejectClasses)]int64
	reasons                                            [len(reasonOrder)]int64
}

func (t *tally) count(kind manifest.Type, result decide.Result, redelivered bool) {
	switch kind {
	case manifest.TypeCancel:
		t.cancelled++
		return
	case manifest.TypeAmend:
		t.amended++
	}
	if result.Exemption == decide.ExemptionGift {
		t.gifts++
	}
	if result.Decision == decide.Cleared {
		t.cleared++
	} else {
		t.formal++
	}
	if redelivered {
		t.redelivered++
	}
	for _, r := range result.Reasons {
		for i, known := range reasonOrder {
			if r == known {
				t.reasons[i]++
			}
		}
	}
}

func (s *Stats) add(t *tally) {
	s.Cleared.Add(t.cleared)
	s.FormalEntryRequired.Add(t.formal)
	s.Redelivered.Add(t.redelivered)
	s.Alerts.Add(t.alerts)
	s.AlertsSplitOrder.Add(t.alertsSplitOrder)
	s.AlertsAddressCluster.Add(t.alertsAddressCluster)
	s.Rejected.Add(t.rejected)
	for i, n := range t.rejectedBy {
		s.rejected[i].Add(n)
	}
	s.Amended.Add(t.amended)
	s.Cancelled.Add(t.cancelled)
	s.Gifts.Add(t.gifts)
	s.Shadowed.Add(t.shadowed)
	s.ShadowDiffers.Add(t.shadowDiffers)
	for i, n := range t.reasons {
		s.reasons[i].Add(n)
	}
}

// countAlert counts one alert version of a kind.
func (t *tally) countAlert(kind string) {
	t.alerts++
	switch kind {
	case "split_order":
		t.alertsSplitOrder++
	case "address_cluster":
		t.alertsAddressCluster++
	}
}
