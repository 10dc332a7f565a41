package profilewatch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// The site of issue 12: N index entries, 200 template hosts, 152 of them changed by about
// 120 KB each between two scans.
const (
	floorTemplates = 200
	floorChanged   = 152
	floorSize      = 120 << 10
)

// floorRounds is how many times the scan and the floor run, alternately, for the medians:
// PACKUILON_SCAN_ROUNDS, else 3.
var floorRounds = func() int {
	if n, err := strconv.Atoi(os.Getenv("PACKUILON_SCAN_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}()

// BenchmarkScanVsFloor runs, on one generated site and in one run, `packuilon-watch-once` (the
// real binary as packaged, real broker, publishing with confirms, cache saved) and the floor: one
// curl process downloading the index and exactly the changed profiles from the same HTTP server.
// It reports the ratio of their wall times (median of floorRounds rounds), each wall time, CPU
// time and the scan's peak RSS; and the ratio of `packuilon watch --once`, each of its rounds
// against a floor of its own. With PACKUILON_SCAN_PPROF=<dir>, one more in-process scan of the same site writes
// a CPU profile to <dir>/scan-<entries>.pprof.
func BenchmarkScanVsFloor(b *testing.B) {
	for _, n := range []int{20_000, 100_000} {
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) { scanVsFloor(b, n) })
	}
}

func scanVsFloor(b *testing.B, entries int) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl is not installed")
	}
	timeTool, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		b.Skip("/usr/bin/time is not installed")
	}
	rmq := testenv.SharedRabbit(b)
	f := newFixture(b, rmq, testenv.ProfileServerOptions{}, "FETCH_PARALLELISM = 8")
	f.srv.AddIndexOnly("node", entries-floorTemplates)
	rev := 1
	change := func(n int) []string {
		var urls []string
		for i := range n {
			p := tmpl(i, rev)
			p.Size = floorSize
			f.put(p)
			urls = append(urls, f.srv.DirURL()+f.srv.Name(p.FQDN()))
		}
		rev++
		return urls
	}
	change(floorTemplates)
	// The binaries as the packages build them: packuilon-watch-once is what the timer, cron and
	// cdp-listend run; packuilon watch --once is measured beside it.
	commands := [][]string{
		{packagedOnceBin.build(b, "packuilon-watch-once"), "--config", f.cfgPath},
		{packagedBin.build(b, "packuilon"), "watch", "--once", "--config", f.cfgPath},
	}
	// The CPU of the last run, in seconds: the command's (with /usr/bin/time's, about 0.5 ms),
	// this process's (the profile server's) and the broker's while it ran.
	var cpu, serverCPU, brokerCPU float64
	run := func(argv ...string) (time.Duration, float64, string) {
		cmd := exec.Command(timeTool, append([]string{"-v"}, argv...)...)
		var out, logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &logs
		self0, broker0 := selfCPU(), rmq.CPU()
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v: %s\n%s", argv[0], err, out.String(), lastLines(logs.String(), 5))
		}
		wall := time.Since(start)
		serverCPU, brokerCPU = (selfCPU() - self0).Seconds(), (rmq.CPU() - broker0).Seconds()
		cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		rss := 0.0
		if m := maxRSS.FindStringSubmatch(logs.String()); m != nil {
			kib, _ := strconv.ParseFloat(m[1], 64)
			rss = kib / 1024
		}
		lastRunLog = logs.String()
		return wall, rss, out.String()
	}
	if _, _, out := run(commands[0]...); !strings.Contains(out, "baseline") {
		b.Fatalf("first scan is not a baseline: %s", out)
	}
	var ratios, scans, floors, rsss, scanCPU, floorCPU, cmdRatios []float64
	var scanServer, scanBroker, floorServer float64 // summed over the rounds
	b.ResetTimer()
	for range floorRounds {
		for c, watch := range commands {
			urls := change(floorChanged)
			argv := []string{curl, "-s", "-S", "-f", f.srv.IndexURL(), "-o", "/dev/null"}
			for _, u := range urls {
				argv = append(argv, u, "-o", "/dev/null")
			}
			floor, _, _ := run(argv...)
			fcpu, fserver := cpu, serverCPU
			scan, rss, out := run(watch...)
			if !published.MatchString(out) || !strings.Contains(out, fmt.Sprintf("%d published", floorChanged)) {
				b.Fatalf("scan did not publish %d: %s", floorChanged, out)
			}
			f.drain()
			if c > 0 {
				cmdRatios = append(cmdRatios, scan.Seconds()/floor.Seconds())
				continue
			}
			lastScanLog = lastRunLog
			floorCPU, scanCPU = append(floorCPU, fcpu), append(scanCPU, cpu)
			scanServer, scanBroker, floorServer = scanServer+serverCPU, scanBroker+brokerCPU, floorServer+fserver
			ratios = append(ratios, scan.Seconds()/floor.Seconds())
			scans, floors, rsss = append(scans, scan.Seconds()), append(floors, floor.Seconds()), append(rsss, rss)
		}
	}
	b.StopTimer()
	med := func(v []float64) float64 { v = slices.Clone(v); slices.Sort(v); return v[len(v)/2] }
	b.ReportMetric(med(ratios), "ratio")
	b.ReportMetric(med(scans), "scan-s")
	b.ReportMetric(med(floors), "floor-s")
	b.ReportMetric(slices.Max(rsss), "peak-RSS-MiB")
	b.ReportMetric(med(scanCPU), "scan-cpu-s")
	b.ReportMetric(med(floorCPU), "floor-cpu-s")
	b.ReportMetric(med(cmdRatios), "ratio-packuilon-watch")
	for _, l := range strings.Split(lastScanLog, "\n") {
		if strings.Contains(l, "duration=") {
			fmt.Println("  " + l)
		}
	}
	// Where the CPU of the two cores goes while each runs (means per round, ms): the scan's own,
	// the profile server's and the broker's, against curl's and the server's.
	n := float64(floorRounds)
	fmt.Printf("scan-cpu %d entries: packuilon-watch-once %.1f ms + profile server %.1f ms + broker %.1f ms; curl floor %.1f ms + profile server %.1f ms (means of %d rounds)\n",
		entries, 1000*mean(scanCPU), 1000*scanServer/n, 1000*scanBroker/n, 1000*mean(floorCPU), 1000*floorServer/n, floorRounds)
	load, _ := os.ReadFile("/proc/loadavg") // the figures mean little on a busy machine: say how busy
	fmt.Printf("scan-floor %d entries, %d changed x %d KB: packuilon-watch-once %.3fs (CPU %.2fs), curl floor %.3fs (CPU %.2fs), ratio %.2f, peak RSS %.1f MiB; packuilon watch --once ratio %.2f (medians of %d rounds; ratios %.2f; load average %s)\n",
		entries, floorChanged, floorSize>>10, med(scans), med(scanCPU), med(floors), med(floorCPU), med(ratios), slices.Max(rsss), med(cmdRatios), floorRounds, ratios,
		strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	if dir := os.Getenv("PACKUILON_SCAN_PPROF"); dir != "" {
		change(floorChanged)
		profileScan(b, f, filepath.Join(dir, fmt.Sprintf("scan-%d.pprof", entries)))
	}
}

var lastRunLog, lastScanLog string

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(len(v), 1))
}

// selfCPU is the processor time this process has used (the benchmark's profile server, mostly).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var published = regexp.MustCompile(`\d+ published`)

// profileScan runs one scan in this process under the CPU profiler.
func profileScan(b *testing.B, f *fixture, path string) {
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	s, err := NewScanner(f.cfg, testLogger(b).Named("pprof"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		b.Fatal(err)
	}
	_, err = s.Scan(context.Background(), ScanOptions{})
	pprof.StopCPUProfile()
	if err != nil {
		b.Fatal(err)
	}
	f.drain()
}
