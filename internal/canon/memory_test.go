package canon

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// TestMemoryBound: the worst shapes for the reader (an object of a million members in reverse
// order, which must be sorted; strings that expand when escaped; deep nesting) allocate at most
// 8 times the document, the bound the README states for a profile in flight.
func TestMemoryBound(t *testing.T) {
	var unsorted bytes.Buffer
	unsorted.WriteString("{")
	for i := 1_000_000; i > 0; i-- {
		fmt.Fprintf(&unsorted, `"%07d":0,`, i)
	}
	unsorted.WriteString(`"x":0}`)
	var html bytes.Buffer
	html.WriteString(`{"a":"`)
	for html.Len() < 4<<20 {
		html.WriteString("<<<<<<<<") // 6 bytes each once escaped: refused past twice the input
	}
	html.WriteString(`"}`)
	deep := bytes.Repeat([]byte(`{"a":`), 500)
	deep = append(append(deep, '1'), bytes.Repeat([]byte("}"), 500)...)
	for _, c := range []struct {
		name string
		body []byte
	}{{"unsorted members", unsorted.Bytes()}, {"escaping strings", html.Bytes()}, {"deep", deep}} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Read(c.body, Options{})
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d bytes, %.2f bytes allocated per byte (err %v)", c.name, len(c.body), float64(alloc)/float64(len(c.body)), err)
		if alloc > 8*uint64(len(c.body))+1<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte document, more than 8 times", c.name, alloc, len(c.body))
		}
	}
}
