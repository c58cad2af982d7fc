/**
 * Private lookup of one's own vote (k-anonymity, as range queries for leaked passwords do): the
 * verify page asks for every vote whose ref starts with the same few hex digits and finds its own
 * among them in the browser. Refs are random, so 4 hex digits (65,536 buckets) put about 15 votes
 * in each bucket of an election of a million; the portal, a CDN or anyone reading their logs
 * learns the bucket, not the vote.
 */
export const REF_PREFIX_HEX = 4;
/** A bucket holds far fewer than this even at 50 million votes. */
export const REF_PREFIX_LIMIT = 5000;

/** The bucket of a ref given as 0x + 32 hex digits. */
export function refPrefixOf(refHex: string): string {
  return refHex.slice(2, 2 + REF_PREFIX_HEX).toLowerCase();
}
