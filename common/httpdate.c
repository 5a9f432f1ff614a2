/*
 * httpdate.c: HTTP dates (RFC 9110 section 5.6.7). We send only IMF-fixdate
 * and accept all three forms a recipient must: IMF-fixdate, the obsolete
 * RFC 850 form and asctime(). The conversion does not use the C library's
 * locale or time zone, so "Nov" is "Nov" and GMT is GMT whatever TZ says.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

static const char *const wday_short[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const wday_long[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const month_short[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static bool
is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month(int year, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mon == 1 && is_leap(year) ? 29 : days[mon];
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (mon 0-11), after
 * Howard Hinnant's days_from_civil: no loop, no table, no time zone.
 */
static long long
days_from_civil(long long y, int mon, int mday)
{
	long long era, yoe, doy, doe;
	int m = mon + 1;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

time_t
httpdate_timegm(int year, int mon, int mday, int hour, int min, int sec)
{
	long long days = days_from_civil(year, mon, mday);

	return (time_t)(days * 86400 + hour * 3600 + min * 60 + sec);
}

/* Two decimal digits of v (0..99). */
static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/*
 * The date of a day count since 1970-01-01 (mon 0-11), the inverse of
 * days_from_civil (Hinnant's civil_from_days). gmtime_r would do, but
 * it takes libc's time-zone lock and state for every response: in fork
 * mode, pages each child writes, faults in and copies.
 */
static void
civil_from_days(long long days, long long *y, int *mon, int *mday)
{
	long long z = days + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);

	*mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mon = m - 1;
	*y = yoe + era * 400 + (m <= 2);
}

/* t as struct tm fields (UTC); false outside years 0-9999. */
static bool
utc_fields(time_t t, struct tm *tm)
{
	long long days = (long long)t / 86400, secs = (long long)t % 86400, y;

	if (secs < 0) {		/* floor, for times before 1970 */
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &tm->tm_mon, &tm->tm_mday);
	if (y < 0 || y > 9999)
		return false;
	tm->tm_year = (int)(y - 1900);
	tm->tm_wday = (int)(((days % 7) + 11) % 7);	/* 1970-01-01: Thursday */
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	return true;
}

char *
httpdate_format(time_t t, char buf[HTTPDATE_LEN + 1])
{
	struct tm tm;

	if (!utc_fields(t, &tm)) {
		buf[0] = '\0';
		return NULL;
	}
	/* "Sun, 06 Nov 1994 08:49:37 GMT", by hand: one per response. */
	memcpy(buf, wday_short[tm.tm_wday], 3);
	memcpy(buf + 3, ", ", 2);
	put2(buf + 5, tm.tm_mday);
	buf[7] = ' ';
	memcpy(buf + 8, month_short[tm.tm_mon], 3);
	buf[11] = ' ';
	put2(buf + 12, (tm.tm_year + 1900) / 100);
	put2(buf + 14, (tm.tm_year + 1900) % 100);
	buf[16] = ' ';
	put2(buf + 17, tm.tm_hour);
	buf[19] = ':';
	put2(buf + 20, tm.tm_min);
	buf[22] = ':';
	put2(buf + 23, tm.tm_sec);
	memcpy(buf + 25, " GMT", 5);
	return buf;
}

/* A small cursor over the date string; every step fails closed. */
struct scan {
	const char	*p;
	bool		 ok;
};

static void
scan_lit(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->ok && strncmp(s->p, lit, n) == 0)
		s->p += n;
	else
		s->ok = false;
}

/* Exactly `width` digits, or 1..width when `width` is negative. */
static int
scan_num(struct scan *s, int width)
{
	size_t max = (size_t)(width < 0 ? -width : width), n = 0;
	uint64_t v = 0;

	if (s->ok)
		n = number_digits(s->p, strnlen(s->p, max), &v);
	if (n == 0 || (width > 0 && n != (size_t)width))
		s->ok = false;
	s->p += n;
	return (int)v;
}

static int
scan_name(struct scan *s, const char *const *names, int count)
{
	int i;
	size_t n;

	for (i = 0; s->ok && i < count; i++) {
		n = strlen(names[i]);
		/* Names are case-sensitive in RFC 9110's grammar. */
		if (strncmp(s->p, names[i], n) == 0 &&
		    !isalpha((unsigned char)s->p[n])) {
			s->p += n;
			return i;
		}
	}
	s->ok = false;
	return -1;
}

static void
scan_time(struct scan *s, int *hour, int *min, int *sec)
{
	*hour = scan_num(s, 2);
	scan_lit(s, ":");
	*min = scan_num(s, 2);
	scan_lit(s, ":");
	*sec = scan_num(s, 2);
}

static int
finish(struct scan *s, int wday, int year, int mon, int mday, int hour,
    int min, int sec, time_t *out)
{
	time_t t;

	if (!s->ok || *s->p != '\0' || mon < 0 || year < 1 || year > 9999 ||
	    mday < 1 || mday > days_in_month(year, mon) || hour > 23 ||
	    min > 59 || sec > 60)
		return -1;
	if (sec == 60)		/* a leap second is the next second's start */
		sec = 59;
	t = httpdate_timegm(year, mon, mday, hour, min, sec);
	/* A day name that contradicts the date marks a forged or broken date. */
	if (((days_from_civil(year, mon, mday) % 7 + 11) % 7) != wday)
		return -1;
	*out = t;
	return 0;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static int
parse_imf(const char *str, time_t *out)
{
	struct scan s = { str, true };
	int wday, mday, mon, year, hour, min, sec;

	wday = scan_name(&s, wday_short, 7);
	scan_lit(&s, ", ");
	mday = scan_num(&s, 2);
	scan_lit(&s, " ");
	mon = scan_name(&s, month_short, 12);
	scan_lit(&s, " ");
	year = scan_num(&s, 4);
	scan_lit(&s, " ");
	scan_time(&s, &hour, &min, &sec);
	scan_lit(&s, " GMT");
	return finish(&s, wday, year, mon, mday, hour, min, sec, out);
}

/* "Sunday, 06-Nov-94 08:49:37 GMT" */
static int
parse_rfc850(const char *str, time_t *out)
{
	struct scan s = { str, true };
	int wday, mday, mon, year, hour, min, sec;

	wday = scan_name(&s, wday_long, 7);
	scan_lit(&s, ", ");
	mday = scan_num(&s, 2);
	scan_lit(&s, "-");
	mon = scan_name(&s, month_short, 12);
	scan_lit(&s, "-");
	year = scan_num(&s, 2);
	/*
	 * RFC 9110: a two-digit year more than 50 years in the future is in the
	 * past century. Against a fixed pivot this stays testable: 70-99 are
	 * 19xx, 00-69 are 20xx, as in every mainstream implementation.
	 */
	year += year < 70 ? 2000 : 1900;
	scan_lit(&s, " ");
	scan_time(&s, &hour, &min, &sec);
	scan_lit(&s, " GMT");
	return finish(&s, wday, year, mon, mday, hour, min, sec, out);
}

/* "Sun Nov  6 08:49:37 1994" */
static int
parse_asctime(const char *str, time_t *out)
{
	struct scan s = { str, true };
	int wday, mday, mon, year, hour, min, sec;

	wday = scan_name(&s, wday_short, 7);
	scan_lit(&s, " ");
	mon = scan_name(&s, month_short, 12);
	scan_lit(&s, " ");
	if (s.ok && *s.p == ' ') {
		s.p++;
		mday = scan_num(&s, 1);
	} else
		mday = scan_num(&s, 2);
	scan_lit(&s, " ");
	scan_time(&s, &hour, &min, &sec);
	scan_lit(&s, " ");
	year = scan_num(&s, 4);
	return finish(&s, wday, year, mon, mday, hour, min, sec, out);
}

int
httpdate_parse(const char *s, time_t *out)
{
	if (s == NULL)
		return -1;
	if (parse_imf(s, out) == 0 || parse_rfc850(s, out) == 0 ||
	    parse_asctime(s, out) == 0)
		return 0;
	return -1;
}
