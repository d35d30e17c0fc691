package io.spoolkv.store;

/**
 * The answer to a {@link ReadRequest}.
 *
 * @param item the item after the read, null on a miss
 * @param fetchedBefore the item had been fetched before this read (mg h)
 * @param lastAccessBefore the item's last access before this read, unix seconds (mg l)
 * @param created the read created the item (mg N on a miss)
 * @param won this reader got the recache token (mg W)
 * @param tokenSentBefore another reader already holds the token (mg Z)
 * @param expiresAtBefore the item's expiry before this read's T (0 for an item it created), for a t
 *                        that the client put before T or N
 */
public record ReadResult(Item item, boolean fetchedBefore, long lastAccessBefore, boolean created, boolean won,
                         boolean tokenSentBefore, long expiresAtBefore) {

    public static final ReadResult MISS = new ReadResult(null, false, 0, false, false, false, 0);
}
