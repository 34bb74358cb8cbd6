// Package bench measures a processor binary end to end, as separate OS
// processes on this machine: a real redis-server, the embedded
// Kafka-protocol broker (`processor broker`) and one or more processors
// (`processor run`), all on loopback ports it picks. Being given the
// binary, it measures any build, and several in turn for a side-by-side
// comparison (RunEach, WriteComparison).
//
// It owns the method of `s321-bench`: how many manifests are sent
// and how (preloaded, or paced at a rate while the processor runs), when
// the clock starts and stops (the processor's /readyz turning 200; the
// broker timestamp of the last answer, confirmed by the group's committed
// offsets reaching the end of the input topic), how latency is taken (an
// answer's record timestamp minus its manifest's record timestamp, set
// by the producing clients, franz-go in the bench and kafka-go in the
// processor, in milliseconds),
// where peak memory is read (VmHWM of each processor in /proc), what each
// process's CPU a parcel is (utime and stime in /proc during the drain),
// what the straightforward design does (the same binary with --max-batch
// 1), how fast `processor replay` decides a generated file, what
// redis-server alone does with the processor's Redis work (package
// window, in pipelines of 1000, no Kafka; redislimit.go is the one file
// that uses window's API), and the load sweep with its plot.
//
// Every run gets fresh child processes and a temporary directory, and
// stops them (SIGTERM, then SIGKILL) when it ends, on error and on
// cancellation too. Children run in process groups of their own, so a
// Ctrl-C reaches only the bench, which then stops them in order; on Linux
// they are also killed if the bench dies.
//
// It does not decide parcels or look inside decisions beyond their source
// offset, and it makes no claim about targets: it reports what it saw.
package bench
