package glance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/packuilon/packuilon/internal/fsutil"
)

// ChainSourceImages makes every entry of the source-image map at path (IMAGES_CONFIG) that
// points at oldID point at newID, so builds that started from the previous image start from
// the new one. Both forms of the map work: flat ({"sl7x": "<id>"}) and nested
// ({"sl": {"7x": "<id>"}}). Only string values are replaced, never keys, and the rest of the
// file (order, spacing) is kept byte for byte. The file is replaced atomically. It returns the
// number of entries changed.
func ChainSourceImages(path, oldID, newID string) (int, error) {
	if oldID == "" || newID == "" || oldID == newID {
		return 0, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read source images: %w", err)
	}
	out, n, err := replaceValues(data, oldID, newID)
	if err != nil {
		return 0, fmt.Errorf("source images %s: %w", path, err)
	}
	if n == 0 {
		return 0, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if err := fsutil.WriteFile(path, out, info.Mode().Perm()); err != nil {
		return 0, fmt.Errorf("write source images: %w", err)
	}
	return n, nil
}

// replaceValues replaces the JSON string values (not object keys) equal to oldID in data.
func replaceValues(data []byte, oldID, newID string) ([]byte, int, error) {
	oldLit, _ := json.Marshal(oldID)
	newLit, _ := json.Marshal(newID)
	type level struct{ object, expectKey bool }
	var stack []level
	var ends []int64 // offsets just past each literal to replace
	dec := json.NewDecoder(bytes.NewReader(data))
	// consumeValue records that a value took the current object's value slot.
	consumeValue := func() {
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				consumeValue()
				stack = append(stack, level{object: t == '{', expectKey: t == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			end := dec.InputOffset()
			if !isKey && t == oldID && bytes.Equal(data[end-int64(len(oldLit)):end], oldLit) {
				ends = append(ends, end)
			}
		}
		if isKey {
			stack[len(stack)-1].expectKey = false
		} else {
			consumeValue()
		}
	}
	if len(ends) == 0 {
		return data, 0, nil
	}
	var out bytes.Buffer
	last := int64(0)
	for _, end := range ends {
		out.Write(data[last : end-int64(len(oldLit))])
		out.Write(newLit)
		last = end
	}
	out.Write(data[last:])
	return out.Bytes(), len(ends), nil
}
