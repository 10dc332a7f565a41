// Package canon reads an Aquilon JSON profile in one pass, without building a tree: it validates
// the document, takes the digest of its canonical form (keys sorted, no whitespace, with some
// paths left out) and picks the few values a caller asks for.
//
// The canonical form is byte for byte what encoding/json's Marshal writes for the map that
// Decoder.UseNumber decodes. The digest is its BLAKE3; ReadWithSHA256 also gives its SHA-256, the
// digest earlier versions cached:
//
//	doc, err := canon.Read(body, canon.Options{Ignore: []string{"/system/network/interfaces"},
//		Capture: [][]string{{"system", "personality", "name"}}})
//	doc.Digest // "blake3:…"
//
// Memory is bounded by the document's structure, which is checked while it is read: nesting
// depth, number of values (Options.Limits) and the size of the canonical form (at most twice
// the input). Besides the input, Read holds the canonical form and, while it sorts an object
// whose members were out of order, a copy of that object and 16 bytes per member: at most about
// 7 times the input, and about once for the sorted output of Aquilon; and 144 bytes for each
// level of nesting (a frame, kept for the next document, rather than a call), so at most
// 144 × Limits.MaxDepth.
package canon
