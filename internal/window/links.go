package window

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// LinkRequest asks which recipient a parcel's links (hashed phone, email)
// already belong to.
type LinkRequest struct {
	// Links are link keys (identity.Keyer.LinkKey), strongest first; empty
	// entries are skipped.
	Links []string
	// Own is the parcel's own recipient key.
	Own string
	// ParcelID pins the answer: a parcel seen again (a redelivery) gets
	// the key it got the first time, whatever links were recorded since.
	ParcelID string
	// EntryDate is the parcel's entry date; the memory store forgets
	// links by it (Config.TTL).
	EntryDate string
}

// Link resolves each request to a recipient key: the key the first of its
// links was first seen with, or its own key when none was seen; links not
// seen before are then recorded with the chosen key, for TTL after their
// last use (in Redis, from 7/8 of the TTL: see knownLinks). A redelivered
// parcel gets the key it got the first time: its
// links name the same recipient for as long as they live, and where a
// link it resolved by was recorded by another batch at the same moment,
// its answer is pinned (for TTL). Two round trips, pipelined for the
// whole slice (Resolve, then its writes); requests without links cost
// nothing. Two batches that see a new link at the same moment may each
// keep their own key for that parcel; from then on the link names one
// recipient.
func (s *Store) Link(ctx context.Context, reqs []LinkRequest) ([]string, error) {
	keys, write, err := s.Resolve(ctx, reqs)
	if err != nil {
		return nil, err
	}
	if err := write(ctx); err != nil {
		return nil, err
	}
	return keys, nil
}

// Resolve is Link's first round trip: it returns each request's key, and
// write, which records the links and pins not seen before (Link's second
// round trip). The caller must see write succeed before it acts on the
// keys outside this process (publishes a decision); it may run it
// alongside other work, such as counting with the keys.
func (s *Store) Resolve(ctx context.Context, reqs []LinkRequest) (keys []string, write func(context.Context) error, err error) {
	if s.mem != nil {
		return s.mem.resolve(reqs)
	}
	out := make([]string, len(reqs))
	// A link this process read or recorded lately is answered from
	// knownLinks; any other is read by GETEX, which renews a known link's
	// expiry as it reads it.
	type linkRead struct {
		cmd       *redis.StringCmd
		recipient string
		id        linkID
	}
	reads := make([][]linkRead, len(reqs))
	pins := make([]*redis.StringCmd, len(reqs))
	ttl := s.ttl
	nothing := func(context.Context) error { return nil }
	any := false
	sent := s.now()
	_, err = s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, req := range reqs {
			out[i] = req.Own
			if req.ParcelID != "" {
				pins[i] = pipe.Get(ctx, s.pinKey(req))
			}
			reads[i] = make([]linkRead, len(req.Links))
			for j, link := range req.Links {
				if link == "" {
					continue
				}
				any = true
				read := &reads[i][j]
				read.id = linkIDOf(link)
				if recipient, ok := s.links.get(read.id, sent); ok {
					read.recipient = recipient
					continue
				}
				read.cmd = pipe.GetEx(ctx, s.linkKey(link), ttl)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("resolve links: %w", err)
	}
	if !any {
		return out, nothing, nil
	}
	// Resolve in request order, so that a link first seen in this batch
	// already names its recipient for the requests after it.
	seen := make(map[string]string)
	known := make(map[string]bool)
	ids := make(map[string]linkID)
	pinned := make([]bool, len(reqs))
	for i, req := range reqs {
		if pins[i] != nil {
			if v, err := pins[i].Result(); err == nil && v != "" {
				out[i], pinned[i] = v, true
				continue
			}
		}
		for j, read := range reads[i] {
			link := req.Links[j]
			if link == "" {
				continue
			}
			ids[link] = read.id
			key, ok := seen[link]
			if !ok {
				v := read.recipient
				if read.cmd != nil {
					if got, err := read.cmd.Result(); err == nil {
						v = got
						s.links.put(read.id, v, sent)
					}
				}
				if v != "" {
					key, ok = v, true
					seen[link], known[link] = v, true
				}
			}
			if ok && out[i] == req.Own {
				out[i] = key
			}
		}
		for _, link := range req.Links {
			if _, ok := seen[link]; !ok && link != "" {
				seen[link] = out[i]
			}
		}
	}
	write = func(ctx context.Context) error {
		// SET NX keeps a link another batch recorded meanwhile (with its
		// own fresh expiry); known links were renewed by GETEX.
		recorded := make(map[string]*redis.BoolCmd)
		sent := s.now()
		_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for link, key := range seen {
				if !known[link] {
					recorded[link] = pipe.SetNX(ctx, s.linkKey(link), key, ttl)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("record links: %w", err)
		}
		for link, cmd := range recorded {
			if cmd.Val() {
				s.links.put(ids[link], seen[link], sent)
			}
		}
		// A parcel needs a pin only when a link it resolved by was just
		// recorded by another batch instead (its SET NX lost): read again,
		// that link would name the other batch's recipient. A parcel whose
		// links were known, or recorded by this batch, resolves the same
		// way for as long as they live.
		var unpinned []int
		for i, req := range reqs {
			if req.ParcelID == "" || pinned[i] {
				continue
			}
			for _, link := range req.Links {
				if cmd, ok := recorded[link]; ok && !cmd.Val() {
					unpinned = append(unpinned, i)
					break
				}
			}
		}
		if len(unpinned) == 0 {
			return nil
		}
		_, err = s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, i := range unpinned {
				pipe.SetNX(ctx, s.pinKey(reqs[i]), out[i], ttl)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("record pins: %w", err)
		}
		return nil
	}
	return out, write, nil
}

func (s *Store) linkKey(link string) string {
	return s.prefix + ":link:{" + link + "}"
}

// pinKey holds the key a parcel of a recipient was linked to.
func (s *Store) pinKey(req LinkRequest) string {
	return s.prefix + ":pin:{" + req.Own + "}:" + req.ParcelID
}
