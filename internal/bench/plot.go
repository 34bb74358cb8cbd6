package bench

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Colors of the plot: throughput blue, p99 red, p50 grey.
var (
	throughputColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	p99Color        = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	p50Color        = color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}
	referenceColor  = color.RGBA{R: 0xaa, G: 0xaa, B: 0xaa, A: 0xff}
)

// p99TargetMS is the latency target, drawn for reference.
const p99TargetMS = 50.0

// WritePlot writes a PNG of a sweep to path: above, achieved throughput
// against offered load, with the line where they are equal; below, p50
// and p99 latency against offered load on a log scale.
func WritePlot(path string, rep *SweepReport) error {
	if len(rep.Points) == 0 {
		return errors.New("plot: no points")
	}
	offered := make(plotter.XYs, len(rep.Points))
	p99 := make(plotter.XYs, len(rep.Points))
	p50 := make(plotter.XYs, len(rep.Points))
	labels := make([]string, len(rep.Points))
	var maxX, maxY float64
	for i, pt := range rep.Points {
		offered[i] = plotter.XY{X: pt.OfferedPerSecond, Y: pt.AchievedPerSecond}
		// A log axis cannot show 0: the timestamps have millisecond
		// resolution, so 1 ms stands for "under a millisecond".
		p99[i] = plotter.XY{X: pt.OfferedPerSecond, Y: max(pt.P99MS, 1)}
		p50[i] = plotter.XY{X: pt.OfferedPerSecond, Y: max(pt.P50MS, 1)}
		labels[i] = strconv.FormatFloat(100*pt.Fraction, 'f', -1, 64) + "%"
		maxX = max(maxX, pt.OfferedPerSecond)
		maxY = max(maxY, pt.AchievedPerSecond)
	}
	limit := max(maxX, maxY) * 1.08

	top := plot.New()
	top.Title.Text = fmt.Sprintf("s321-bench --sweep: %d partitions, %d instance(s), %d CPUs, %gs per step%s",
		rep.Partitions, rep.Instances, rep.Machine.CPUs, rep.StepSeconds, loadRange(rep.Points))
	top.X.Label.Text = "offered load (manifests/s)"
	top.Y.Label.Text = "achieved throughput (answers/s)"
	// Headroom above the data keeps the legend off the lines.
	top.X.Min, top.X.Max, top.Y.Min, top.Y.Max = 0, limit, 0, limit*1.3
	top.X.Tick.Marker, top.Y.Tick.Marker = wholeTicks{}, wholeTicks{}
	top.Add(plotter.NewGrid())
	equal, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: limit, Y: limit}})
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	equal.Color, equal.Dashes = referenceColor, []vg.Length{vg.Points(4), vg.Points(4)}
	maxLine, err := plotter.NewLine(plotter.XYs{{X: 0, Y: rep.MaxRate}, {X: limit, Y: rep.MaxRate}})
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	maxLine.Color, maxLine.Dashes = throughputColor, []vg.Length{vg.Points(2), vg.Points(3)}
	line, points, err := plotter.NewLinePoints(offered)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	line.Color, line.Width = throughputColor, vg.Points(2)
	points.Color, points.Shape = throughputColor, draw.CircleGlyph{}
	marks, err := plotter.NewLabels(plotter.XYLabels{XYs: offered, Labels: labels})
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	for i := range marks.TextStyle {
		marks.TextStyle[i].XAlign, marks.TextStyle[i].YAlign = draw.XRight, draw.YBottom
	}
	top.Add(equal, maxLine, line, points, marks)
	top.Legend.Top, top.Legend.Left = true, true
	top.Legend.Add("achieved", line, points)
	top.Legend.Add("achieved = offered", equal)
	top.Legend.Add(fmt.Sprintf("max rate (%s): %.0f/s", rep.MaxRateFrom, rep.MaxRate), maxLine)

	bottom := plot.New()
	bottom.Title.Text = "Manifest-to-decision latency of the manifests offered at each load"
	bottom.X.Label.Text = "offered load (manifests/s)"
	bottom.Y.Label.Text = "latency, ms (log scale)"
	bottom.X.Min, bottom.X.Max = 0, limit
	bottom.X.Tick.Marker = wholeTicks{}
	bottom.Y.Scale, bottom.Y.Tick.Marker = plot.LogScale{}, wholeLogTicks{}
	// Whole decades.
	lo, hi := math.Inf(1), 1.0
	for i := range p99 {
		lo, hi = min(lo, p50[i].Y, p99[i].Y), max(hi, p99[i].Y)
	}
	bottom.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
	bottom.Y.Max = math.Pow(10, math.Ceil(math.Log10(max(hi, 10))))
	bottom.Add(plotter.NewGrid())
	p99Line, p99Points, err := plotter.NewLinePoints(p99)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	p99Line.Color, p99Line.Width = p99Color, vg.Points(2)
	p99Points.Color, p99Points.Shape = p99Color, draw.CircleGlyph{}
	p50Line, p50Points, err := plotter.NewLinePoints(p50)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	p50Line.Color, p50Line.Dashes = p50Color, []vg.Length{vg.Points(3), vg.Points(2)}
	p50Points.Color, p50Points.Shape = p50Color, draw.SquareGlyph{}
	target, err := plotter.NewLine(plotter.XYs{{X: 0, Y: p99TargetMS}, {X: limit, Y: p99TargetMS}})
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	target.Color, target.Dashes = p99Color, []vg.Length{vg.Points(2), vg.Points(3)}
	bottom.Add(target, p50Line, p50Points, p99Line, p99Points)
	bottom.Legend.Top, bottom.Legend.Left = true, true
	bottom.Legend.Add("p99", p99Line, p99Points)
	bottom.Legend.Add("p50", p50Line, p50Points)
	bottom.Legend.Add(fmt.Sprintf("p99 target at half the max rate (%g ms)", p99TargetMS), target)

	img := vgimg.NewWith(vgimg.UseWH(9*vg.Inch, 8*vg.Inch), vgimg.UseDPI(100), vgimg.UseBackgroundColor(color.White))
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Millimeter, PadY: 6 * vg.Millimeter,
		PadTop: 3 * vg.Millimeter, PadBottom: 3 * vg.Millimeter, PadLeft: 3 * vg.Millimeter, PadRight: 6 * vg.Millimeter}
	dc := draw.New(img)
	top.Draw(tiles.At(dc, 0, 0))
	bottom.Draw(tiles.At(dc, 0, 1))

	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}

// wholeTicks label an axis at 4 to 8 round values (a step of 1, 2, 2.5
// or 5 times a power of ten), as whole numbers: 0, 500, 1000, not 0 and
// 2500.00 alone.
type wholeTicks struct{}

func (wholeTicks) Ticks(lo, hi float64) []plot.Tick {
	step := niceStep((hi - lo) / 6)
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step/1e9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ticks
}

// wholeLogTicks are gonum's log-scale ticks with the decades written out
// (100000, not 1e+05).
type wholeLogTicks struct{}

func (wholeLogTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.LogTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
		}
	}
	return ticks
}

// niceStep returns the smallest of 1, 2, 2.5 and 5 times a power of ten
// that is at least raw (and at least 1).
func niceStep(raw float64) float64 {
	if !(raw > 1) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*pow >= raw {
			return m * pow
		}
	}
	return 10 * pow
}

// loadRange describes the 1-minute load averages seen during a sweep, so
// a reader of the plot knows how busy the machine was.
func loadRange(points []SweepPoint) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, pt := range points {
		if len(pt.LoadAverage) > 0 {
			lo, hi = min(lo, pt.LoadAverage[0]), max(hi, pt.LoadAverage[0])
		}
	}
	if math.IsInf(lo, 1) {
		return ""
	}
	return fmt.Sprintf(", load average %.1f to %.1f", lo, hi)
}
