package io.spoolkv.config;

import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;

/** Size checks shared by the properties' validators. */
final class Sizes {

    private Sizes() {
    }

    /** Rejects a zero or negative size on {@code field}; true when it is positive. */
    static boolean requirePositive(Errors errors, String field, DataSize size) {
        if (size.toBytes() > 0) {
            return true;
        }
        errors.rejectValue(field, "notPositive", "must be positive");
        return false;
    }

    /** 1048576 bytes as "1MB", 1000 as "1000B": the form an operator writes in the configuration. */
    static String format(DataSize size) {
        long bytes = size.toBytes();
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        int unit = 0;
        while (unit < units.length - 1 && bytes != 0 && bytes % 1024 == 0) {
            bytes /= 1024;
            unit++;
        }
        return bytes + units[unit];
    }
}
