package event

import "fmt"

// AlertBasis is what the alerts one parcel raises have in common.
type AlertBasis struct {
	// RecipientKey and EntryDate are the parcel's recipient and entry
	// date; Regime is the regime it was decided under, and Threshold that
	// regime's threshold as text (nil when the regime has none).
	RecipientKey string
	EntryDate    string
	Regime       string
	Threshold    *string
	// TriggerParcelID is the parcel that publishes the alert's version,
	// RaisedAt when (FormatTime).
	TriggerParcelID string
	RaisedAt        string
}

// AlertCount is what an alert's subject has counted when a version of its
// alert is published.
type AlertCount struct {
	// Total is the subject's total, as money.Format writes it.
	Total string
	// ParcelIDs are the subject's first parcels, at most 1,000; Carriers
	// their distinct carriers, sorted, at most 100; Parcels how many it
	// has counted, also beyond 1,000.
	ParcelIDs []string
	Carriers  []string
	Parcels   int64
	// Version is the alert's version, from 1.
	Version int64
}

// NewSplitShipment returns the split_shipment alert of a recipient's day:
// its parcels add up to more than the threshold, though at least one was
// within it alone.
func NewSplitShipment(b AlertBasis, c AlertCount) Alert {
	return newAlert(AlertSplitShipment, b.RecipientKey, b, c, fmt.Sprintf(
		"%d parcels to one recipient with entry date %s add up to $%s, above %s, though at least one "+
			"was within it alone: a possible split shipment (19 CFR 10.151).",
		c.Parcels, b.EntryDate, c.Total, limitText(b.Threshold)))
}

// NewSplitOrder returns the split_order alert of the order with key
// orderKey: its parcels, shipped separately, add up to more than the
// threshold, though at least one was within it alone. An order's alert
// spans days: its id has no date.
func NewSplitOrder(b AlertBasis, orderKey string, c AlertCount) Alert {
	return newAlert(AlertSplitOrder, orderKey, b, c, fmt.Sprintf(
		"%d parcels of one order, shipped separately, add up to $%s, above %s, though at least one "+
			"was within it alone: several lots covered by a single order (19 CFR 10.151).",
		c.Parcels, c.Total, limitText(b.Threshold)))
}

// NewAddressCluster returns the address_cluster alert of the address with
// key addressKey on the entry date: parcels to at least names different
// names there add up to more than the threshold.
func NewAddressCluster(b AlertBasis, addressKey string, names int, c AlertCount) Alert {
	return newAlert(AlertAddressCluster, addressKey, b, c, fmt.Sprintf(
		"%d parcels to at least %d different names at one address with entry date %s add up to $%s, "+
			"above %s: a possible split among recipients at one address.",
		c.Parcels, names, b.EntryDate, c.Total, limitText(b.Threshold)))
}

// SubjectAlertID is the alert_id of the alert of kind about subject on
// entryDate: an order's alert spans days, so its id has no date.
func SubjectAlertID(kind, subject, entryDate string) string {
	if kind == AlertSplitOrder {
		entryDate = ""
	}
	return AlertID(kind, subject, entryDate)
}

func newAlert(kind, subject string, b AlertBasis, c AlertCount, reason string) Alert {
	return Alert{
		Schema:          SchemaAlert,
		AlertID:         SubjectAlertID(kind, subject, b.EntryDate),
		Type:            kind,
		RecipientKey:    b.RecipientKey,
		EntryDate:       b.EntryDate,
		Regime:          b.Regime,
		Threshold:       b.Threshold,
		DayTotal:        c.Total,
		ParcelIDs:       c.ParcelIDs,
		Carriers:        c.Carriers,
		ParcelCount:     c.Parcels,
		TriggerParcelID: b.TriggerParcelID,
		Version:         c.Version,
		RaisedAt:        b.RaisedAt,
		Reason:          reason,
		SubjectKey:      subject,
	}
}

// limitText names the threshold in a reason sentence.
func limitText(threshold *string) string {
	if threshold == nil {
		return "the threshold"
	}
	return "the $" + *threshold + " de minimis limit"
}

// AppendKey appends the alert's Kafka key to dst: its subject, and the
// entry date for a subject of one day, so every version of an alert goes
// to one partition.
func (a *Alert) AppendKey(dst []byte) []byte {
	switch a.Type {
	case AlertSplitOrder:
		return append(append(dst, "order:"...), a.SubjectKey...)
	case AlertAddressCluster:
		dst = append(append(dst, "address:"...), a.SubjectKey...)
	default:
		dst = append(dst, a.SubjectKey...)
	}
	return append(append(dst, ':'), a.EntryDate...)
}
