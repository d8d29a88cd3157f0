/**
 * Which strings PostgreSQL can store. A `text` value may not contain U+0000 (SQLSTATE 22021) and `jsonb` refuses the
 * escape `\u0000` and unpaired surrogate escapes (22P05). A lone surrogate in a `text` value is not refused but
 * silently becomes U+FFFD on its way to UTF-8, so a value would not read back as it was written: refused too.
 */

export type UnstorableCharacter = {
  /** U+0000, or the unpaired surrogate (U+D800–U+DFFF). */
  codePoint: number;
  kind: 'nul' | 'lone-surrogate';
  /** UTF-16 index in the string. */
  index: number;
};

/** With the `u` flag a well-formed pair is one code point and only an unpaired half matches \p{Cs}. */
const UNSTORABLE = /[\u0000\p{Cs}]/u;

export function findUnstorableCharacter(text: string): UnstorableCharacter | null {
  const match = UNSTORABLE.exec(text);
  if (!match) return null;
  const codePoint = match[0].codePointAt(0)!;
  return { codePoint, kind: codePoint === 0 ? 'nul' : 'lone-surrogate', index: match.index };
}

export type UnstorableJson = UnstorableCharacter & {
  /**
   * RFC 6901 pointer of the string value ('' for the root), or, when the character is in a key, of the object that
   * has that key: a pointer through the key would carry the very character back to the caller.
   */
  pointer: string;
  /** The character is in a key of the object at `pointer`, not in a value. */
  inKey: boolean;
};

/** RFC 6901: `~` and `/` in a key are escaped as `~0` and `~1`. */
const escapePointerToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The first unstorable character in a JSON-like value (as JSON.parse makes them: strings, numbers, booleans, null,
 * arrays, plain objects), in keys and values at any depth, depth-first in key order. Other objects (a Date a scalar
 * parsed) hold no text of the caller's and are skipped.
 */
export function findUnstorableInJson(value: unknown, pointer = ''): UnstorableJson | null {
  if (typeof value === 'string') {
    const found = findUnstorableCharacter(value);
    return found ? { ...found, pointer, inKey: false } : null;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableInJson(value[index], `${pointer}/${index}`);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object' || !isPlainObject(value)) return null;
  for (const [key, member] of Object.entries(value)) {
    const inKey = findUnstorableCharacter(key);
    if (inKey) return { ...inKey, pointer, inKey: true };
    const found = findUnstorableInJson(member, `${pointer}/${escapePointerToken(key)}`);
    if (found) return found;
  }
  return null;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** `U+0000`, `U+D800`: how a message names the character (never the character itself). */
export const formatCodePoint = (codePoint: number) => `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
