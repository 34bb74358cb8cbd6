package window_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/money"
	"github.com/s321/s321/internal/redisinfo"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// TestANewSubjectCreatedElsewhereIsCountedOnto: a store takes a subject
// it has never seen to be new and creates it (RESTORE); when another
// processor created it in between, the create is refused, and the store
// reads the subject and counts onto it.
func TestANewSubjectCreatedElsewhereIsCountedOnto(t *testing.T) {
	server := testenv.StartRedis(t)
	ctx := context.Background()
	first := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
	second := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
	if _, err := first.Apply(ctx, []window.Op{op("P-1", "DHL", "300")}); err != nil {
		t.Fatal(err)
	}
	got, err := second.Apply(ctx, []window.Op{op("P-2", "DHL", "600")})
	if err != nil {
		t.Fatal(err)
	}
	if total := money.Format(got[0].Total()); total != "900" || got[0].Seq != 2 {
		t.Fatalf("total %s, seq %d, want 900, 2: counted onto the first parcel", total, got[0].Seq)
	}
	if restore := commandStats(t, server.Client())["restore"]; restore.Calls != 2 || restore.FailedCalls != 1 {
		t.Fatalf("RESTORE %g calls, %g refused; want 2, the second refused", restore.Calls, restore.FailedCalls)
	}
	if byRestore, byScript := first.Created(); byRestore != 1 || byScript != 0 {
		t.Errorf("first store created %d by RESTORE, %d by the script; want 1, 0", byRestore, byScript)
	}
	if byRestore, byScript := second.Created(); byRestore != 0 || byScript != 0 {
		t.Errorf("second store created %d by RESTORE, %d by the script; want none", byRestore, byScript)
	}
	// The first store holds the subject at the version it wrote, which
	// has moved: its next write is refused, and it reads the subject.
	got, err = first.Apply(ctx, []window.Op{op("P-3", "DHL", "1")})
	if err != nil {
		t.Fatal(err)
	}
	if total := money.Format(got[0].Total()); total != "901" {
		t.Fatalf("total %s, want 901", total)
	}
}

// TestNewSubjectsWhereRestoreIsRefused: where Redis refuses RESTORE (here
// an ACL user without it; a Redis before 7.0 refuses the payload), new
// subjects are written by the script instead, with their expiry, and
// counting goes on.
func TestNewSubjectsWhereRestoreIsRefused(t *testing.T) {
	server := testenv.StartRedis(t)
	ctx := context.Background()
	admin := server.Client()
	if err := admin.Do(ctx, "ACL", "SETUSER", "norestore", "on", ">secret", "~*", "+@all", "-restore").Err(); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: server.Addr, Username: "norestore", Password: "secret"})
	t.Cleanup(func() { _ = rdb.Close() })
	cfg := window.DefaultConfig()
	cfg.TTL = time.Hour
	store := newStoreWith(t, rdb, cfg)
	// Two new subjects: the first refused RESTORE, the second after it.
	for _, subject := range []string{"rk1", "rk2"} {
		parcel := op("P-"+subject, "DHL", "300")
		parcel.Subject = subject
		got, err := store.Apply(ctx, []window.Op{parcel})
		if err != nil {
			t.Fatal(err)
		}
		if total := money.Format(got[0].Total()); total != "300" || got[0].Seq != 1 {
			t.Errorf("%s: total %s, seq %d, want 300, 1", subject, total, got[0].Seq)
		}
		key := store.DayKey(subject, "2024-05-01")
		if ttl := admin.PTTL(ctx, key).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
			t.Errorf("%s: ttl %s, want about 1h", subject, ttl)
		}
	}
	if byRestore, byScript := store.Created(); byRestore != 0 || byScript != 2 {
		t.Errorf("created %d by RESTORE, %d by the script; want 0, 2", byRestore, byScript)
	}
	// The store tried once, and then stopped trying.
	if restore := commandStats(t, admin)["restore"]; restore.Calls != 0 || restore.RejectedCalls != 1 {
		t.Errorf("RESTORE %g calls, %g rejected; want 0, 1", restore.Calls, restore.RejectedCalls)
	}
}

// commandStats returns INFO commandstats, by command.
func commandStats(t *testing.T, rdb *redis.Client) map[string]redisinfo.Command {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	return redisinfo.Commands(info)
}

// TestASubjectRedisKeepsAsATableIsCreatedByTheScript: a new subject with
// a value longer than a listpack keeps (a carrier's long name in the
// parcel's record) is created by the script, whose HSET makes it the hash
// table Redis keeps for it.
func TestASubjectRedisKeepsAsATableIsCreatedByTheScript(t *testing.T) {
	rdb := testenv.StartRedis(t).Client()
	ctx := context.Background()
	store := newStore(t, rdb)
	long := op("P-1", strings.Repeat("Carrier ", 10), "12.50")
	short := op("P-2", "DHL", "1")
	short.Subject = "rk2"
	if _, err := store.Apply(ctx, []window.Op{long, short}); err != nil {
		t.Fatal(err)
	}
	if byRestore, byScript := store.Created(); byRestore != 1 || byScript != 1 {
		t.Errorf("created %d by RESTORE, %d by the script; want 1, 1", byRestore, byScript)
	}
	for key, want := range map[string]string{store.DayKey("rk1", "2024-05-01"): "hashtable", store.DayKey("rk2", "2024-05-01"): "listpack"} {
		if enc := rdb.ObjectEncoding(ctx, key).Val(); enc != want {
			t.Errorf("%s kept as %s, want %s", key, enc, want)
		}
		if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 0 {
			t.Errorf("%s has no expiry (%s)", key, ttl)
		}
	}
}

// TestRestoreOutOfMemoryFailsTheBatch: an error of the moment (here Redis
// out of memory under noeviction) fails the Apply, to be retried, and does
// not make the store give RESTORE up: only a refusal of the command
// itself does.
func TestRestoreOutOfMemoryFailsTheBatch(t *testing.T) {
	rdb := testenv.StartRedis(t, "--maxmemory-policy", "noeviction").Client()
	ctx := context.Background()
	store := newStore(t, rdb)
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, []window.Op{op("P-1", "DHL", "1")}); err == nil || !strings.Contains(err.Error(), "OOM") {
		t.Fatalf("Apply with Redis out of memory: %v, want its OOM error", err)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	got, err := store.Apply(ctx, []window.Op{op("P-1", "DHL", "1")})
	if err != nil || got[0].Seq != 1 {
		t.Fatalf("Apply again: %v (seq %d), want the parcel counted once", err, got[0].Seq)
	}
	if byRestore, byScript := store.Created(); byRestore != 1 || byScript != 0 {
		t.Errorf("created %d by RESTORE, %d by the script; want 1, 0", byRestore, byScript)
	}
}

// Regression: a parcel and its amend in one batch, on a subject the batch
// creates, named the parcel's record twice in the created hash; a
// listpack with a field twice is corrupt (Redis refuses it where it
// sanitizes payloads, and keeps it otherwise, answering the first value).
// Each field is now written once, with its latest value.
func TestANewSubjectWithAParcelAndItsAmendHasEachFieldOnce(t *testing.T) {
	for _, sanitize := range []string{"no", "yes"} {
		t.Run("sanitize-dump-payload "+sanitize, func(t *testing.T) {
			server := testenv.StartRedis(t, "--sanitize-dump-payload", sanitize)
			ctx := context.Background()
			store := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
			amend := op("P-1", "DHL", "300")
			amend.Kind, amend.EventID = window.KindAmend, "P-1-amend-1"
			if _, err := store.Apply(ctx, []window.Op{op("P-1", "DHL", "100"), amend}); err != nil {
				t.Fatal(err)
			}
			if byRestore, byScript := store.Created(); byRestore != 1 || byScript != 0 {
				t.Errorf("created %d by RESTORE, %d by the script; want 1, 0: Redis took the payload", byRestore, byScript)
			}
			key := store.DayKey("rk1", "2024-05-01")
			fields, err := server.Client().HKeys(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, f := range fields {
				if seen[f] {
					t.Errorf("field %s twice in %v", f, fields)
				}
				seen[f] = true
			}
			// Another processor reads the subject and counts onto the
			// amended value.
			other := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
			got, err := other.Apply(ctx, []window.Op{op("P-2", "DHL", "1")})
			if err != nil {
				t.Fatal(err)
			}
			if total := money.Format(got[0].Total()); total != "301" {
				t.Errorf("total %s, want 301: P-1 as amended, and P-2", total)
			}
		})
	}
}
