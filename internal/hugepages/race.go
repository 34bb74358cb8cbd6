//go:build race

package hugepages

// raceEnabled: the race detector keeps shadow memory for every byte the
// heap maps, and clears it for a new block, so a block of gigabytes takes
// minutes; a race build advises MinSize at most.
const raceEnabled = true
