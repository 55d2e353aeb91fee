import { describe, expect, it } from "vitest";
import { assertSafeKey, isStorageUri, MAX_STORAGE_KEY_BYTES, MAX_STORAGE_SEGMENT_BYTES, storageKeyOf } from "./uri.js";

describe("assertSafeKey", () => {
  it("takes a key whose segments and whole are within the limits in UTF-8 bytes", () => {
    expect(assertSafeKey("a/b.json")).toBe("a/b.json");
    expect(assertSafeKey(`a/${"x".repeat(MAX_STORAGE_SEGMENT_BYTES)}`)).toBeTruthy();
    // 2 bytes each: 100 of them fill a segment, though 300 UTF-16 units would not fit as 3 bytes each
    expect(assertSafeKey(`a/${"é".repeat(100)}`)).toBeTruthy();
    // 4 bytes each (two UTF-16 units): 50 fill a segment
    expect(assertSafeKey(`a/${"😀".repeat(50)}`)).toBeTruthy();
  });

  it("refuses a segment or a key longer than the limits in UTF-8 bytes, naming them", () => {
    expect(() => assertSafeKey(`a/${"x".repeat(MAX_STORAGE_SEGMENT_BYTES + 1)}`)).toThrow(/is 201 bytes, at most 200 per path segment/);
    expect(() => assertSafeKey(`a/${"é".repeat(101)}`)).toThrow(/is 202 bytes, at most 200 per path segment/);
    expect(() => assertSafeKey(`a/${"😀".repeat(51)}`)).toThrow(/is 204 bytes/);
    const key = Array.from({ length: 11 }, () => "y".repeat(99)).join("/");
    expect(key.length).toBeGreaterThan(MAX_STORAGE_KEY_BYTES);
    expect(() => assertSafeKey(key)).toThrow(/storage key too long: 1099 bytes, at most 1024/);
  });

  it("refuses keys that could leave their prefix", () => {
    for (const key of ["", "/a", "a//b", "a/./b", "a/../b", "a\\b", "a/\u0001"]) expect(() => assertSafeKey(key), key).toThrow(/unsafe storage key/);
  });
});

// Kestra's storages read a kestra:// URI's path as the key (storage-local LocalStorage.getPath: uri.getPath()), and
// write kestra:///<key> (LocalStorage.put, getKestraUri): the same storage as ferry://<key>
describe("storageKeyOf", () => {
  it("reads ferry://<key> and Kestra's kestra:///<key> as the same file", () => {
    expect(storageKeyOf("ferry://qa/f/executions/x/files/w/a.txt")).toBe("qa/f/executions/x/files/w/a.txt");
    expect(storageKeyOf("kestra:///qa/f/executions/x/files/w/a.txt")).toBe("qa/f/executions/x/files/w/a.txt");
    expect(isStorageUri("kestra:///qa/a.txt")).toBe(true);
    expect(isStorageUri("nsfile:///a.txt")).toBe(false);
  });
  it("takes a kestra:// URI's path as Kestra does: the authority is not part of the key, percent-escapes are decoded", () => {
    // Kestra's Delete example
    expect(storageKeyOf("kestra://long/url/file.txt")).toBe("url/file.txt");
    expect(storageKeyOf("kestra:///qa/my%20file.txt")).toBe("qa/my file.txt");
  });
  it("refuses a kestra:// URI with no path, a bad escape or an unsafe key, and any other scheme, naming it", () => {
    expect(() => storageKeyOf("kestra://file.txt")).toThrow("names no file");
    expect(() => storageKeyOf("kestra:///qa/%E0%A4%A.txt")).toThrow("malformed percent-escape");
    expect(() => storageKeyOf("kestra:///qa/../secret")).toThrow("unsafe storage key");
    expect(() => storageKeyOf("s3://bucket/a.txt")).toThrow("'s3://bucket/a.txt' is not a ferry:// (or Kestra's kestra://) URI");
  });
});
