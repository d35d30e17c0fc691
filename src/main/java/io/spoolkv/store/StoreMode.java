package io.spoolkv.store;

/** How a store request treats an existing item, as memcached's storage commands and ms modes do. */
public enum StoreMode {
    /** Store unconditionally. */
    SET,
    /** Store only if absent. */
    ADD,
    /** Store only if present. */
    REPLACE,
    /** Add the data after the existing value; flags and expiry are kept. */
    APPEND,
    /** Add the data before the existing value; flags and expiry are kept. */
    PREPEND
}
