package safetensors

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read (with the size known and unknown).
// Read must not panic; whatever it accepts must be self-consistent, and
// writing it back as F32 and reading it again must give the same values.
func FuzzRead(f *testing.F) {
	f.Add(file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32s(1, 2)))
	f.Add(file(`{"__metadata__":{"a":"b"},"h":{"dtype":"F16","shape":[1,2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]}}`, u16s(0x3c00, 0x7c01, 0x3f80)))
	f.Add(file(`{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}    `, f32s(0, 1.875)))
	f.Add(file(`{}`, nil))
	f.Fuzz(func(t *testing.T, raw []byte) {
		f1, err1 := Read(bytes.NewReader(raw), int64(len(raw)))
		f2, err2 := Read(bytes.NewReader(raw), -1)
		if err1 == nil && err2 != nil {
			t.Fatalf("accepted with known size but refused with unknown size: %v", err2)
		}
		if err1 != nil {
			return
		}
		check := func(a, b *File) {
			t.Helper()
			if len(a.Tensors) != len(b.Tensors) || len(a.Metadata) != len(b.Metadata) {
				t.Fatalf("tensor or metadata counts differ: %d/%d, %d/%d", len(a.Tensors), len(b.Tensors), len(a.Metadata), len(b.Metadata))
			}
			for name, ta := range a.Tensors {
				tb := b.Tensors[name]
				if tb == nil || !slices.Equal(ta.Shape, tb.Shape) || !sameBits(ta.Data, tb.Data) {
					t.Fatalf("tensor %q differs", name)
				}
			}
			for k, v := range a.Metadata {
				if b.Metadata[k] != v {
					t.Fatalf("metadata %q differs", k)
				}
			}
		}
		check(f1, f2)
		var ts []*Tensor
		for _, name := range f1.Names() {
			tt := f1.Tensors[name]
			n := 1
			for _, d := range tt.Shape {
				n *= d
			}
			if n != len(tt.Data) || tt.Name != name {
				t.Fatalf("tensor %q: shape %v but %d values", name, tt.Shape, len(tt.Data))
			}
			ts = append(ts, tt)
		}
		var buf bytes.Buffer
		if err := Write(&buf, ts, f1.Metadata); err != nil {
			t.Fatalf("writing back: %v", err)
		}
		f3, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		check(f1, f3)
	})
}
