package generate

import "testing"

// BenchmarkNext measures Next, which allocates each message.
func BenchmarkNext(b *testing.B) {
	g, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	size := 0
	b.ReportAllocs()
	for b.Loop() {
		msg := g.Next()
		size += len(msg.Value)
	}
	b.ReportMetric(float64(size)/float64(b.N), "bytes/msg")
}

// BenchmarkAppendNext measures the preloading path: buffers reused.
func BenchmarkAppendNext(b *testing.B) {
	g, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	var key, value []byte
	size := 0
	b.ReportAllocs()
	for b.Loop() {
		msg := g.AppendNext(key[:0], value[:0])
		key, value = msg.Key, msg.Value
		size += len(value)
	}
	b.ReportMetric(float64(size)/float64(b.N), "bytes/msg")
}
