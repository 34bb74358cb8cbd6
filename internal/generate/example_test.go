package generate_test

import (
	"fmt"
	"time"

	"github.com/s321/s321/internal/generate"
)

// A generator for one hour of traffic, read through Next.
func ExampleNew() {
	cfg := generate.DefaultConfig()
	cfg.Seed = 42
	cfg.From = time.Date(2025, 8, 28, 14, 0, 0, 0, time.UTC)
	cfg.To = cfg.From.Add(time.Hour)
	g, err := generate.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	msg := g.Next()
	fmt.Printf("%s %s\n", msg.Kind, msg.Key)
	// Output: repeat LXYHZT0000000001US
}

// Preloading a benchmark: AppendNext reuses the caller's buffers.
func ExampleGenerator_AppendNext() {
	cfg := generate.DefaultConfig()
	cfg.Seed = 42
	g, err := generate.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	counts := make(map[generate.Kind]int)
	var key, value []byte
	for range 10000 {
		msg := g.AppendNext(key[:0], value[:0])
		key, value = msg.Key, msg.Value // a real caller sends or copies them here
		counts[msg.Kind]++
	}
	for _, kind := range generate.Kinds() {
		fmt.Println(kind, counts[kind])
	}
	// Output:
	// parcel 7501
	// repeat 2127
	// split 207
	// restricted 110
	// bad 33
	// duplicate 22
}
