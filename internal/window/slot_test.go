package window

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/s321/s321/internal/testenv"
)

// TestHashSlotIsRedisKeySlot: the slot the store groups a Redis Cluster
// script call by is the slot Redis itself gives the key (CLUSTER
// KEYSLOT), for keys as the store names them and for others.
func TestHashSlotIsRedisKeySlot(t *testing.T) {
	// CRC16 (XMODEM) of "123456789" is 0x31c3 (the check value of the
	// Redis Cluster specification).
	if got := hashSlot("123456789"); got != 0x31c3 {
		t.Errorf("hashSlot(123456789) = %#x, want 0x31c3", got)
	}
	server := testenv.StartRedis(t, "--cluster-enabled", "yes", "--cluster-port", testenv.FreePortArg,
		"--cluster-config-file", "nodes.conf")
	rdb := server.Client()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"", "{}", "a{}b", "{a", "x}{y}", "s321:order:{00}", "ünïcode{ß}"}
	for range 500 {
		var tag [32]byte
		for i := range tag {
			tag[i] = "0123456789abcdef"[rng.IntN(16)]
		}
		keys = append(keys, "s321:{"+string(tag[:])+string(tag[:])+"}:2025090"+strconv.Itoa(rng.IntN(10)),
			strconv.FormatUint(rng.Uint64(), 36))
	}
	for _, key := range keys {
		want, err := rdb.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := hashSlot(hashTag(key)); int64(got) != want {
			t.Errorf("slot of %q: %d, Redis says %d", key, got, want)
		}
	}
}

// BenchmarkHashSlot is the slot of recipients' days as the store names
// them, a different key each time.
func BenchmarkHashSlot(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]string, 1024)
	for i := range keys {
		var tag [64]byte
		for j := range tag {
			tag[j] = "0123456789abcdef"[rng.IntN(16)]
		}
		keys[i] = "s321:{" + string(tag[:]) + "}:20250901"
	}
	var sum uint16
	i := 0
	for b.Loop() {
		sum += hashSlot(hashTag(keys[i%len(keys)]))
		i++
	}
	_ = sum
}
