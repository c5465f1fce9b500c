/*
 * num.h - numbers from text, strictly: what strtol(3) accepts and a
 * command line should not ("+5", " 5", "5abc", out of range).
 */
#ifndef IPC_NUM_H
#define IPC_NUM_H

/*
 * A plain decimal number: digits only (no sign, no blanks, no "0x"),
 * from min to max, with 0 <= min.  Returns it, or -1 with errno EINVAL
 * when s is anything else.
 */
long num_decimal(const char *s, long min, long max);

#endif
