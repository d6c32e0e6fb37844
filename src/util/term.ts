// Strings that come from a machine or a file (driver names from symlinks, sysfs attribute
// text, dump comments, rule files) are escaped before they reach a terminal, so that a
// hostile name cannot move the cursor, rewrite the screen or forge lines (ESC, CSI, C0/C1
// controls, DEL, bidi overrides, line breaks).

// C0 controls, DEL, C1 controls, and the Unicode bidi/format characters used in
// "trojan source" tricks (U+061C, U+200E/F, U+202A–E, U+2066–9), line/paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The text with every control character written as a visible escape (\n, \t, \e, \xNN, \u{…}). */
export function termSafe(s: string): string {
  return s.replace(UNSAFE, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      case '\u001b':
        return '\\e';
      default: {
        const cp = c.codePointAt(0)!;
        return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
      }
    }
  });
}

/** True when the text would be printed unchanged by termSafe. */
export function isTermSafe(s: string): boolean {
  UNSAFE.lastIndex = 0;
  return !UNSAFE.test(s);
}

/** Multi-line text with every line escaped (the line breaks themselves kept). */
export function termSafeLines(s: string): string {
  return s.split('\n').map(termSafe).join('\n');
}
