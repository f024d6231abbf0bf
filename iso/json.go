package iso

import (
	"encoding/json"
	"fmt"
	"math"
)

// JSONAgreement is an Agreement as JSON (Agreement.JSON): an undefined number (NaN, e.g.
// Pearson r over fewer than two pairs) is null, and Undefined says why.
type JSONAgreement struct {
	Pairs       int      `json:"pairs"`
	Pearson     *float64 `json:"pearson_r"`
	MeanAbsDiff *float64 `json:"mean_abs_diff"`
	Stress      *float64 `json:"stress"`
	Undefined   string   `json:"undefined,omitempty"`
}

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// Why says in words why a's numbers are undefined ("" when all are
// defined): no pairs, one pair, or constant distances.
func (a Agreement) Why() string {
	if finite(a.Pearson) != nil && finite(a.MeanAbsDiff) != nil && finite(a.Stress) != nil {
		return ""
	}
	switch a.Pairs {
	case 0:
		return "no pairs"
	case 1:
		return "one pair"
	}
	return "constant distances"
}

// JSON returns a as JSON holds it, with why as the reason when a number
// is undefined; types that embed an Agreement marshal through it.
func (a Agreement) JSON(why string) JSONAgreement {
	j := JSONAgreement{Pairs: a.Pairs, Pearson: finite(a.Pearson), MeanAbsDiff: finite(a.MeanAbsDiff), Stress: finite(a.Stress)}
	if j.Pearson == nil || j.MeanAbsDiff == nil || j.Stress == nil {
		j.Undefined = why
	}
	return j
}

// MarshalJSON writes undefined numbers as null with the reason.
func (a Agreement) MarshalJSON() ([]byte, error) { return json.Marshal(a.JSON(a.Why())) }

// Why says in words why c's numbers are undefined ("" when all are
// defined), e.g. "class 3 has 1 test point".
func (c ClassDistances) Why() string {
	if c.Agreement.Why() == "" {
		return ""
	}
	if c.N < 3 {
		s := "s"
		if c.N == 1 {
			s = ""
		}
		return fmt.Sprintf("class %d has %d test point%s", c.Class, c.N, s)
	}
	return fmt.Sprintf("class %d: %s", c.Class, c.Agreement.Why())
}

// MarshalJSON writes undefined numbers as null with the reason (the
// method is needed so that Agreement's does not stand for the whole).
func (c ClassDistances) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Class int `json:"class"`
		N     int `json:"points"`
		JSONAgreement
	}{c.Class, c.N, c.Agreement.JSON(c.Why())})
}

// Format prints x with format f, or "undefined" when x is not finite.
func Format(f string, x float64) string {
	if finite(x) == nil {
		return "undefined"
	}
	return fmt.Sprintf(f, x)
}
