package io.spoolkv.scan;

import io.spoolkv.store.Key;
import java.util.Base64;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a RangeScanCreate's JSON value (kv_engine's {@code range_scan_create.md}): {@code range} with base64
 * {@code start}/{@code end} or {@code excl_start}/{@code excl_end}, or {@code sampling} with {@code samples} and
 * {@code seed}; {@code key_only}; {@code collection} (a hex id; only the default one, 0, exists).
 * {@code snapshot_requirements} is refused as not supported. Other unknown keys are ignored, as
 * kv_engine does.
 */
public final class ScanSpecParser {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ScanSpecParser() {
    }

    /** What kind of refusal: each answers its own status. */
    enum Reason { INVALID, UNKNOWN_COLLECTION, NOT_SUPPORTED }

    /** Why a create's value was refused. */
    public static final class Invalid extends Exception {
        private final Reason reason;

        Invalid(String message, Reason reason) {
            super(message, null, false, false);
            this.reason = reason;
        }

        /** A well-formed request for a collection spoolkv does not have (kv_engine: "unknown collection"). */
        public boolean unknownCollection() {
            return reason == Reason.UNKNOWN_COLLECTION;
        }

        /** A well-formed request for something spoolkv cannot do (snapshot requirements: it has no seqnos). */
        public boolean notSupported() {
            return reason == Reason.NOT_SUPPORTED;
        }
    }

    public static ScanSpec parse(byte[] json) throws Invalid {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new Invalid("value is not JSON", Reason.INVALID);
        }
        if (root == null || !root.isObject()) {
            throw new Invalid("value is not a JSON object", Reason.INVALID);
        }
        JsonNode collection = root.get("collection");
        if (collection != null) {
            checkDefaultCollection(collection);
        }
        if (root.has("snapshot_requirements")) {
            // spoolkv has no vbucket uuid or seqnos to check them against: refused rather than silently ignored.
            throw new Invalid("snapshot_requirements are not supported", Reason.NOT_SUPPORTED);
        }
        boolean keyOnly = false;
        JsonNode keyOnlyNode = root.get("key_only");
        if (keyOnlyNode != null) {
            if (!keyOnlyNode.isBoolean()) {
                throw new Invalid("key_only must be a boolean", Reason.INVALID);
            }
            keyOnly = keyOnlyNode.booleanValue();
        }
        JsonNode range = root.get("range");
        JsonNode sampling = root.get("sampling");
        if ((range == null) == (sampling == null)) {
            throw new Invalid("exactly one of range and sampling is required", Reason.INVALID);
        }
        if (sampling != null) {
            return sample(sampling, keyOnly);
        }
        if (!range.isObject()) {
            throw new Invalid("range must be an object", Reason.INVALID);
        }
        boolean startExclusive = range.has("excl_start");
        boolean endExclusive = range.has("excl_end");
        if (startExclusive == range.has("start") || endExclusive == range.has("end")) {
            throw new Invalid("range needs one of start/excl_start and one of end/excl_end", Reason.INVALID);
        }
        Key start = key(range.get(startExclusive ? "excl_start" : "start"));
        Key end = key(range.get(endExclusive ? "excl_end" : "end"));
        return new ScanSpec(start, startExclusive, end, endExclusive, keyOnly, 0, 0);
    }

    /** A collection id is a hex string ("0", "00", "0x0" all name the default one); anything else is invalid. */
    private static void checkDefaultCollection(JsonNode collection) throws Invalid {
        String hex = collection.isString() ? collection.asString() : "";
        if (hex.startsWith("0x") || hex.startsWith("0X")) {
            hex = hex.substring(2);
        }
        if (hex.isEmpty() || hex.length() > 8 || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw new Invalid("collection must be a hex collection id", Reason.INVALID);
        }
        if (Long.parseLong(hex, 16) != 0) {
            throw new Invalid("only the default collection (0) exists", Reason.UNKNOWN_COLLECTION);
        }
    }

    private static ScanSpec sample(JsonNode sampling, boolean keyOnly) throws Invalid {
        JsonNode samples = sampling.get("samples");
        JsonNode seed = sampling.get("seed");
        if (!sampling.isObject() || samples == null || !samples.canConvertToLong() || !samples.isIntegralNumber()
                || samples.longValue() <= 0 || (seed != null && !seed.isIntegralNumber())) {
            throw new Invalid("sampling needs a positive integer samples and an optional integer seed", Reason.INVALID);
        }
        return new ScanSpec(null, false, null, false, keyOnly, samples.longValue(), seed == null ? 0 : seed.longValue());
    }

    private static Key key(JsonNode node) throws Invalid {
        if (node == null || !node.isString()) {
            throw new Invalid("range keys must be base64 strings", Reason.INVALID);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(node.asString());
        } catch (IllegalArgumentException e) {
            throw new Invalid("range keys must be base64", Reason.INVALID);
        }
        if (bytes.length > Key.MAX_LENGTH) {
            throw new Invalid("range key longer than " + Key.MAX_LENGTH + " bytes", Reason.INVALID);
        }
        return Key.wrap(bytes);
    }
}
