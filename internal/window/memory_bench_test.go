package window_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/s321/s321/internal/window"
)

// BenchmarkMemoryApply counts parcels in the memory store as replay does:
// three ops a parcel (its recipient's day, its order, its address's day),
// subjects keyed by 64 hex characters, a batch of 1,000 parcels an Apply
// (made with the timer stopped), over four entry dates. The store is kept across rounds, so it grows as
// a replay's does; it reports parcels a second.
func BenchmarkMemoryApply(b *testing.B) {
	const batch = 1000
	store, err := window.NewMemory(window.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	hexKey := func(kind string, n int) string {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s-%d", kind, n))
		return hex.EncodeToString(sum[:])
	}
	dates := []string{"2025-08-25", "2025-08-26", "2025-08-27", "2025-08-28"}
	ops := make([]window.Op, 0, 3*batch)
	parcels := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		ops = ops[:0]
		for range batch {
			parcels++
			date := dates[parcels/50_000%len(dates)]
			o := op(fmt.Sprintf("P-%d", parcels), "DHL", "25.50")
			o.Subject, o.EntryDate = hexKey("recipient", parcels/2), date
			order := o
			order.Scope, order.Subject = window.ScopeOrder, hexKey("order", parcels/3)
			address := o
			address.Scope, address.Subject = window.ScopeAddressDay, hexKey("address", parcels/4)
			address.Member, address.MinMembers = hexKey("name", parcels), 3
			ops = append(ops, o, order, address)
		}
		b.StartTimer()
		if _, err := store.Apply(context.Background(), ops); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "parcels/s")
}
