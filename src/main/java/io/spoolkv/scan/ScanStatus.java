package io.spoolkv.scan;

/** kv_engine's statuses for range scans (its {@code cb::mcbp::Status} numbers). */
public final class ScanStatus {

    public static final short SUCCESS = 0x00;
    public static final short KEY_ENOENT = 0x01;
    public static final short EINVAL = 0x04;
    public static final short ERANGE = 0x22;
    /** Not supported: a create with snapshot_requirements (spoolkv has no seqnos to check them against). */
    public static final short NOT_SUPPORTED = 0x83;
    /** Einternal: a continue that failed part-way ends with it (the scan is forgotten). */
    public static final short EINTERNAL = 0x84;
    /** Ebusy: only a continue of a scan that is already continuing. */
    public static final short EBUSY = 0x85;
    /** Etmpfail: no room now, try again (a create past {@code spoolkv.scan.max-open}, the background executor full). */
    public static final short TMPFAIL = 0x86;
    public static final short UNKNOWN_COLLECTION = 0x88;
    public static final short CANCELLED = 0xA5;
    public static final short MORE = 0xA6;
    public static final short COMPLETE = 0xA7;

    private ScanStatus() {
    }
}
