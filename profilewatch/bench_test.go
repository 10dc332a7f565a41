package profilewatch

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

const (
	benchEntries  = 20_000
	benchChanged  = 200
	benchSize     = 100 << 10
	benchBigIndex = 100_000
)

// BenchmarkScan20k is a scan of a 20,000-entry index in which 200 template profiles of about
// 100 KB changed, against the real broker: fetch, digest, publish with confirms, cache write.
// Peak RSS is measured on the real binary (watch --once) in a child process, because the
// benchmark process itself holds the server and the generated profiles.
func BenchmarkScan20k(b *testing.B) {
	rmq := testenv.SharedRabbit(b)
	f := newFixture(b, rmq, testenv.ProfileServerOptions{}, "FETCH_PARALLELISM = 8")
	f.srv.AddIndexOnly("node", benchEntries-benchChanged)
	rev := 1
	change := func() {
		for i := range benchChanged {
			p := tmpl(i, rev)
			p.Size = benchSize
			f.put(p)
		}
		rev++
	}
	change()
	f.mustScan(ScanOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		change()
		b.StartTimer()
		rep := f.mustScan(ScanOptions{})
		b.StopTimer()
		if len(rep.Published) != benchChanged || rep.Entries != benchEntries {
			b.Fatalf("report %s", rep)
		}
		f.drain()
		b.StartTimer()
	}
	b.StopTimer()
	change()
	bin := binary(b)
	start := time.Now()
	// The child's own ru_maxrss would include the memory of this process: the kernel keeps the
	// high-water mark of the address space the child had before exec, and Go forks with a shared
	// one. /usr/bin/time forks from a small process instead, so its figure is the scan's.
	argv := []string{bin, "watch", "--once", "--config", f.cfgPath}
	timeTool, timeErr := exec.LookPath("/usr/bin/time")
	if timeErr == nil {
		argv = append([]string{timeTool, "-v"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	var out, logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &logs
	if err := cmd.Run(); err != nil {
		b.Fatalf("watch --once: %v: %s\n%s", err, out.String(), lastLines(logs.String(), 5))
	}
	wall := time.Since(start)
	b.ReportMetric(wall.Seconds(), "cli-wall-s")
	rss := "unknown (no /usr/bin/time)"
	if m := maxRSS.FindStringSubmatch(logs.String()); m != nil {
		kib, _ := strconv.ParseFloat(m[1], 64)
		b.ReportMetric(kib/1024, "peak-RSS-MiB")
		rss = fmt.Sprintf("%.1f MiB", kib/1024)
	}
	fmt.Printf("scan 20k index / 200 changed x 100 KB: binary wall %.2fs, peak RSS %s; %s", wall.Seconds(), rss, out.String())
	f.drain()
}

var maxRSS = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// BenchmarkScanIndex100k is a scan of a 100,000-entry index with nothing to publish: fetch,
// parse, diff against the cache and write the cache.
func BenchmarkScanIndex100k(b *testing.B) {
	rmq := testenv.SharedRabbit(b)
	f := newFixture(b, rmq, testenv.ProfileServerOptions{})
	f.srv.AddIndexOnly("node", benchBigIndex)
	f.mustScan(ScanOptions{})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if rep := f.mustScan(ScanOptions{}); rep.Entries != benchBigIndex {
			b.Fatalf("report %s", rep)
		}
	}
}

// BenchmarkDiff100k is the pure diff of a 100,000-entry index against its cache, 1% changed.
func BenchmarkDiff100k(b *testing.B) {
	cached := make(map[string]int64, benchBigIndex)
	idx := make(Index, benchBigIndex)
	for i := range benchBigIndex {
		name := "host" + strconv.Itoa(i) + ".example.org.json"
		cached[name] = int64(i) * 1000
		idx[name] = int64(i) * 1000
		if i%100 == 0 {
			idx[name]++
		}
	}
	match := func(string) bool { return true }
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if c := Diff(cached, idx, match); len(c.Candidates) != benchBigIndex/100 {
			b.Fatalf("%d candidates", len(c.Candidates))
		}
	}
}

// BenchmarkParseIndex100k parses a 100,000-entry index (about 8 MB).
func BenchmarkParseIndex100k(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("<?xml version='1.0' encoding='utf-8'?>\n<profiles>\n")
	for i := range benchBigIndex {
		fmt.Fprintf(&buf, "<profile mtime='%d'>host%d.example.org.json</profile>\n", 1718963105+i, i)
	}
	buf.WriteString("</profiles>")
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		idx, _, err := parseIndex(bytes.NewReader(buf.Bytes()), buf.Len()/bytesPerEntry, nil)
		if err != nil || len(idx) != benchBigIndex {
			b.Fatalf("%d entries, %v", len(idx), err)
		}
	}
}
