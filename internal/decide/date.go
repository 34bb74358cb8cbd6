package decide

import (
	"fmt"
	"time"
)

// Date is a civil date: a day of the calendar, with no time and no zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// EntryDate returns the calendar date of instant in loc: the entry date of a
// parcel arriving at instant when loc is the entry-day time zone. The zone's
// rules (daylight saving included) come from loc, never from a fixed offset.
// A nil loc means UTC.
func EntryDate(instant time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	year, month, day := instant.In(loc).Date()
	return Date{Year: year, Month: month, Day: day}
}

// String returns the date as "2006-01-02".
func (d Date) String() string {
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 99 {
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	var b [10]byte
	year := d.Year
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + year%10)
		year /= 10
	}
	b[4], b[7] = '-', '-'
	b[5], b[6] = byte('0'+int(d.Month)/10), byte('0'+int(d.Month)%10)
	b[8], b[9] = byte('0'+d.Day/10), byte('0'+d.Day%10)
	return string(b[:])
}
