package generate

import (
	"fmt"
	"slices"
	"time"

	// The embedded zone database makes local time stamps, and so the
	// stream of a seed, independent of the host's zoneinfo files.
	_ "time/tzdata"
)

// Kind is what the generator meant a message to be. The processor never
// sees it: tests and summaries compare it with what the processor decided.
type Kind string

// The kinds of message.
const (
	// KindParcel is an ordinary valid parcel.
	KindParcel Kind = "parcel"
	// KindRepeat is a valid parcel of a recipient who gets several parcels
	// (2 or 3, written alike) on one entry day.
	KindRepeat Kind = "repeat"
	// KindSplit is one parcel of a split order: 2 to 4 parcels, one order_id,
	// each under $800 and together over it, by different carriers, on one
	// entry day, with the recipient written differently in each.
	KindSplit Kind = "split"
	// KindRestricted is a valid parcel with a restricted item, by HTS code or
	// category.
	KindRestricted Kind = "restricted"
	// KindBad breaks the manifest.v1 rules and belongs in the dead-letter
	// topic.
	KindBad Kind = "bad"
	// KindDuplicate re-sends an earlier valid message unchanged, key and
	// value.
	KindDuplicate Kind = "duplicate"
)

// Kinds returns every Kind, in a fixed order, for summaries.
func Kinds() []Kind {
	return []Kind{KindParcel, KindRepeat, KindSplit, KindRestricted, KindBad, KindDuplicate}
}

// Message is one generated Kafka message.
type Message struct {
	// Key is the parcel id, as carriers key their messages.
	Key []byte
	// Value is the manifest.v1 JSON (or, for KindBad, what a carrier sent
	// instead).
	Value []byte
	// Kind is what the generator meant the message to be.
	Kind Kind
}

// Shape of the stream.
const (
	// maxGap bounds how many messages later the other parcels of a repeat
	// group or split order follow the first, so short runs (the demo) still
	// hold whole patterns.
	maxGap = 16
	// historySize is how many recent valid messages a duplicate is drawn
	// from.
	historySize = 256
)

// Generator produces the stream of one Config. It is not safe for
// concurrent use; use one Generator per goroutine.
type Generator struct {
	cfg   Config
	rng   source
	zones [zoneCount]*time.Location
	// entryZone groups parcels by calendar day.
	entryZone *time.Location
	// from and to are Config.From and Config.To in Unix nanoseconds.
	from, to int64
	// tag is four letters derived from the seed, part of every parcel id so
	// different seeds do not reuse parcel ids.
	tag [4]byte
	// recipientSeed derives recipient i, on demand, from (recipientSeed, i).
	recipientSeed uint64
	// repeatRecipients: recipients [0, repeatRecipients) are the repeat
	// recipients. Indexes carry no meaning otherwise, so this is as random
	// as any other choice of RepeatShare of the population.
	repeatRecipients int

	// Cumulative probabilities of one draw: bad, then duplicate, then split,
	// else an ordinary recipient. A draw yields one message except a split
	// (its parts) and a repeat recipient (the group), which the weights
	// account for so the shares hold per message.
	cutBad, cutDuplicate, cutSplit float64
	// restrictedChance is the chance that a single ordinary parcel carries
	// a restricted item.
	restrictedChance float64

	// serial numbers parcels; it makes parcel ids unique.
	serial uint64
	// emitted counts messages; pending parcels are due at a count.
	emitted uint64
	// pending holds the parcels of open repeat groups and split orders, in
	// the order they were planned.
	pending []parcelSpec
	// history is a ring of recent valid messages, for duplicates.
	history     [historySize]parcelSpec
	historyLen  int
	historyNext int

	// keyBuf and valueBuf are Next's scratch buffers.
	keyBuf, valueBuf []byte
}

// parcelSpec is everything a message is rendered from. Rendering is a pure
// function of it, so a duplicate re-renders its spec byte for byte, and a
// spec is small and pointer-free enough to queue and remember cheaply.
type parcelSpec struct {
	// seed drives every choice of the rendering not fixed below.
	seed uint64
	// orderSeed drives the order: seller, marketplace, order_id, origin.
	// Parts of a split order share it.
	orderSeed uint64
	serial    uint64
	// arrival is the arrival instant in Unix nanoseconds.
	arrival int64
	// valueCents is the parcel's value for parts of a split order, else 0
	// (free).
	valueCents int64
	// due is the message count at which a pending parcel is emitted.
	due       uint64
	recipient uint32
	kind      Kind
	carrier   uint8
	// nameStyle is how the recipient is written: 0 their usual way; 1 to 4
	// a split part's own way (see recipientStyle).
	nameStyle uint8
	flaw      flaw
}

// New returns a Generator for cfg, or an error if cfg is invalid.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{
		cfg:              cfg,
		rng:              newSource(cfg.Seed, 0),
		entryZone:        cfg.EntryDayZone,
		from:             cfg.From.UnixNano(),
		to:               cfg.To.UnixNano(),
		recipientSeed:    mix64(cfg.Seed ^ 0x7265636970), // "recip"
		repeatRecipients: int(cfg.RepeatShare*float64(cfg.Recipients) + 0.5),
		pending:          make([]parcelSpec, 0, 64),
	}
	for i, name := range zoneNames {
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("load time zone %s: %w", name, err)
		}
		g.zones[i] = loc
	}
	if g.entryZone == nil {
		g.entryZone = g.zones[zoneNewYork]
	}
	tag := mix64(cfg.Seed ^ 0x746167) // "tag"
	for i := range g.tag {
		g.tag[i] = byte('A' + tag%26)
		tag /= 26
	}

	// Weights per draw are the message shares divided by the messages a
	// draw yields; normalized, they are the draw's probabilities.
	ordinaryShare := 1 - cfg.SplitShare - cfg.BadShare - cfg.DuplicateShare
	wBad := cfg.BadShare
	wDuplicate := cfg.DuplicateShare
	wSplit := cfg.SplitShare / splitMeanParts()
	wOrdinary := ordinaryShare / ordinaryMeanParcels(cfg)
	total := wBad + wDuplicate + wSplit + wOrdinary
	g.cutBad = wBad / total
	g.cutDuplicate = (wBad + wDuplicate) / total
	g.cutSplit = (wBad + wDuplicate + wSplit) / total
	if single := singleShare(cfg); single > 0 {
		g.restrictedChance = cfg.RestrictedShare / single
	}
	return g, nil
}

// Next returns the next message. Its Key and Value are freshly allocated
// (one allocation for both) and belong to the caller.
func (g *Generator) Next() Message {
	spec, kind := g.plan()
	g.keyBuf, g.valueBuf = g.render(g.keyBuf[:0], g.valueBuf[:0], &spec)
	buf := make([]byte, len(g.keyBuf)+len(g.valueBuf))
	n := copy(buf, g.keyBuf)
	copy(buf[n:], g.valueBuf)
	return Message{Key: buf[:n:n], Value: buf[n:], Kind: kind}
}

// AppendNext appends the next message's key to key and its value to value,
// and returns them in a Message. It allocates only to grow the buffers, so
// a caller that passes back msg.Key[:0] and msg.Value[:0] generates without
// allocating. The stream is the same as Next's.
func (g *Generator) AppendNext(key, value []byte) Message {
	spec, kind := g.plan()
	key, value = g.render(key, value, &spec)
	return Message{Key: key, Value: value, Kind: kind}
}

// plan chooses the next message: a pending parcel that is due, else a new
// draw.
func (g *Generator) plan() (parcelSpec, Kind) {
	g.emitted++
	if i := g.duePending(); i >= 0 {
		spec := g.pending[i]
		g.pending = slices.Delete(g.pending, i, i+1)
		g.remember(spec)
		return spec, spec.kind
	}
	u := g.rng.float()
	var spec parcelSpec
	switch {
	case u < g.cutBad:
		spec = g.single(g.rng.intn(g.cfg.Recipients))
		spec.kind = KindBad
		spec.flaw = flaw(1 + g.rng.intn(int(flawCount)-1))
		return spec, KindBad
	case u < g.cutDuplicate && g.historyLen > 0:
		return g.history[g.rng.intn(g.historyLen)], KindDuplicate
	case u >= g.cutDuplicate && u < g.cutSplit:
		spec = g.split()
	default:
		spec = g.ordinary()
	}
	g.remember(spec)
	return spec, spec.kind
}

// duePending returns the index of the pending parcel due first, if it is
// due now, else -1. Ties go to the parcel planned first.
func (g *Generator) duePending() int {
	best := -1
	for i := range g.pending {
		if g.pending[i].due <= g.emitted && (best < 0 || g.pending[i].due < g.pending[best].due) {
			best = i
		}
	}
	return best
}

// remember adds a valid message to the duplicate history.
func (g *Generator) remember(spec parcelSpec) {
	g.history[g.historyNext] = spec
	g.historyNext = (g.historyNext + 1) % historySize
	g.historyLen = min(g.historyLen+1, historySize)
}

// newSpec starts a parcel for recipient by carrier.
func (g *Generator) newSpec(kind Kind, carrierIndex int, recipientIndex int) parcelSpec {
	g.serial++
	seed := g.rng.uint64()
	return parcelSpec{
		seed:      seed,
		orderSeed: mix64(seed),
		serial:    g.serial,
		recipient: uint32(recipientIndex),
		kind:      kind,
		carrier:   uint8(carrierIndex),
	}
}

// single plans one parcel for recipient, arriving any time in the range.
func (g *Generator) single(recipientIndex int) parcelSpec {
	carrierIndex := g.rng.weighted(carrierWeights, carrierTotal)
	spec := g.newSpec(KindParcel, carrierIndex, recipientIndex)
	spec.arrival = g.drawInstant(g.from, g.to, carrierUnit(carrierIndex))
	return spec
}

// ordinary plans the parcels of a recipient drawn from the population: a
// repeat group for a repeat recipient, else one parcel, sometimes with a
// restricted item.
func (g *Generator) ordinary() parcelSpec {
	recipientIndex := g.rng.intn(g.cfg.Recipients)
	if recipientIndex >= g.repeatRecipients {
		spec := g.single(recipientIndex)
		if g.rng.chance(g.restrictedChance) {
			spec.kind = KindRestricted
		}
		return spec
	}
	parcels := repeatMinGroup + g.rng.intn(repeatMaxGroup-repeatMinGroup+1)
	base := g.drawInstant(g.from, g.to, int64(time.Second))
	lo, hi := g.dayWindow(base)
	var first parcelSpec
	for i := range parcels {
		carrierIndex := g.rng.weighted(carrierWeights, carrierTotal)
		spec := g.newSpec(KindRepeat, carrierIndex, recipientIndex)
		if i == 0 {
			spec.arrival = base
			first = spec
			continue
		}
		spec.arrival = g.drawInstant(lo, hi, carrierUnit(carrierIndex))
		spec.due = g.emitted + 1 + uint64(g.rng.intn(maxGap))
		g.pending = append(g.pending, spec)
	}
	return first
}

// split plans a split order and returns its first part; the others are
// queued.
func (g *Generator) split() parcelSpec {
	total := g.rng.between(splitMinCents, splitMaxCents)
	minParts := max(2, int((total+splitPartMax-1)/splitPartMax))
	parts := minParts + g.rng.intn(splitMaxParts-minParts+1)

	// Distinct carriers and distinct ways of writing the recipient: the
	// first parts of shuffled lists.
	carrierOrder := [carrierCount]uint8{0, 1, 2, 3, 4, 5, 6}
	styleOrder := [4]uint8{1, 2, 3, 4}
	for i := range parts {
		j := i + g.rng.intn(carrierCount-i)
		carrierOrder[i], carrierOrder[j] = carrierOrder[j], carrierOrder[i]
		k := i + g.rng.intn(len(styleOrder)-i)
		styleOrder[i], styleOrder[k] = styleOrder[k], styleOrder[i]
	}

	recipientIndex := g.rng.intn(g.cfg.Recipients)
	orderSeed := g.rng.uint64()
	base := g.drawInstant(g.from, g.to, int64(time.Second))
	lo, hi := g.dayWindow(base)

	var first parcelSpec
	remaining := total
	for i := range parts {
		// Each part leaves the others a feasible remainder: at least
		// splitPartMin and at most splitPartMax each.
		value := remaining
		if left := int64(parts - 1 - i); left > 0 {
			lowest := max(splitPartMin, remaining-left*splitPartMax)
			highest := min(splitPartMax, remaining-left*splitPartMin)
			value = g.rng.between(lowest, highest)
		}
		remaining -= value

		carrierIndex := int(carrierOrder[i])
		spec := g.newSpec(KindSplit, carrierIndex, recipientIndex)
		spec.orderSeed = orderSeed
		spec.valueCents = value
		spec.nameStyle = styleOrder[i]
		if i == 0 {
			spec.arrival = base
			first = spec
			continue
		}
		spec.arrival = g.drawInstant(lo, hi, carrierUnit(carrierIndex))
		spec.due = g.emitted + 1 + uint64(g.rng.intn(maxGap))
		g.pending = append(g.pending, spec)
	}
	return first
}

// carrierUnit is the precision of a carrier's arrival times, in
// nanoseconds.
func carrierUnit(carrierIndex int) int64 {
	if carriers[carrierIndex].clock == clockUTCMillis {
		return int64(time.Millisecond)
	}
	return int64(time.Second)
}

// drawInstant returns a uniform multiple of unit in [lo, hi), in Unix
// nanoseconds. The caller guarantees that one exists: every range it passes
// holds a whole second.
func (g *Generator) drawInstant(lo, hi, unit int64) int64 {
	first := lo / unit * unit
	if first < lo {
		first += unit
	}
	count := (hi - first + unit - 1) / unit
	if count <= 0 {
		return first
	}
	return first + int64(g.rng.below(uint64(count)))*unit
}

// dayWindow returns the part of [From, To) that lies on the entry day of
// instant, in Unix nanoseconds.
func (g *Generator) dayWindow(instant int64) (lo, hi int64) {
	year, month, day := time.Unix(0, instant).In(g.entryZone).Date()
	start := time.Date(year, month, day, 0, 0, 0, 0, g.entryZone).UnixNano()
	end := time.Date(year, month, day+1, 0, 0, 0, 0, g.entryZone).UnixNano()
	return max(start, g.from), min(end, g.to)
}
