import { describe, expect, it } from 'vitest';
import { findUnstorableCharacter, findUnstorableInJson, formatCodePoint } from '../../src/domain/storable-text.js';

describe('findUnstorableCharacter', () => {
  it.each([
    [''],
    ['plain ascii'],
    ['Zürich, São Paulo, 東京'],
    ['😀 a surrogate pair is one code point'],
    ['\ud83d\ude00\ud83d\ude00'],
    ['\u0001\u001f control characters other than NUL are stored'],
    ['\ufffd\uffff\ue000'],
  ])('stores %j', (text) => {
    expect(findUnstorableCharacter(text)).toBeNull();
  });

  it.each([
    ['\u0000', { codePoint: 0, kind: 'nul', index: 0 }],
    ['ab\u0000c', { codePoint: 0, kind: 'nul', index: 2 }],
    ['\ud800', { codePoint: 0xd800, kind: 'lone-surrogate', index: 0 }],
    ['x\udbff', { codePoint: 0xdbff, kind: 'lone-surrogate', index: 1 }],
    ['x\udc00y', { codePoint: 0xdc00, kind: 'lone-surrogate', index: 1 }],
    ['\ude00\ud83d', { codePoint: 0xde00, kind: 'lone-surrogate', index: 0 }], // a pair in the wrong order
    ['😀\ud800', { codePoint: 0xd800, kind: 'lone-surrogate', index: 2 }],
    ['\ud800\u0000', { codePoint: 0xd800, kind: 'lone-surrogate', index: 0 }], // the first one wins
  ])('refuses %j', (text, expected) => {
    expect(findUnstorableCharacter(text)).toEqual(expected);
  });
});

describe('findUnstorableInJson', () => {
  it.each([
    [null],
    [42],
    [true],
    ['fine'],
    [{ id: 'o1', nested: [{ deep: ['a', 'b', { 'key with ü': '😀' }] }] }],
    [[]],
    [new Date(0)], // a parsed DateTime: no text of the caller's
  ])('stores %j', (value) => {
    expect(findUnstorableInJson(value)).toBeNull();
  });

  it.each([
    ['a root string', '\u0000', { pointer: '', inKey: false, codePoint: 0 }],
    ['a member', { id: 'x\u0000' }, { pointer: '/id', inKey: false, codePoint: 0 }],
    ['deep in arrays', { a: [1, { b: ['ok', 'no\ud800'] }] }, { pointer: '/a/1/b/1', inKey: false, codePoint: 0xd800 }],
    ['a key at the root', { 'k\u0000': 1 }, { pointer: '', inKey: true, codePoint: 0 }],
    ['a key deep down', { a: { b: [{ 'x\udfff': true }] } }, { pointer: '/a/b/0', inKey: true, codePoint: 0xdfff }],
    ['pointer tokens escaped (RFC 6901)', { 'a/b': { '~c': '\u0000' } }, { pointer: '/a~1b/~0c', inKey: false, codePoint: 0 }],
    ['the first in key order', { first: '\ud800', second: '\u0000' }, { pointer: '/first', inKey: false, codePoint: 0xd800 }],
  ])('finds %s', (_name, value, expected) => {
    expect(findUnstorableInJson(value)).toMatchObject(expected);
  });
});

describe('formatCodePoint', () => {
  it.each([
    [0, 'U+0000'],
    [0xd800, 'U+D800'],
    [0x1f600, 'U+1F600'],
  ])('%d is %s', (codePoint, text) => {
    expect(formatCodePoint(codePoint)).toBe(text);
  });
});
