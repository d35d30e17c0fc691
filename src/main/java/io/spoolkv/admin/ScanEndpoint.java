package io.spoolkv.admin;

import io.spoolkv.scan.ScanRegistry;
import java.util.List;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/** {@code /actuator/scans}: the open range scans (binary protocol), which connection owns each, and how idle it is. */
@Component
@Endpoint(id = "scans")
public class ScanEndpoint {

    private final ScanRegistry scans;

    public ScanEndpoint(ScanRegistry scans) {
        this.scans = scans;
    }

    @ReadOperation
    public List<ScanRegistry.OpenScan> scans() {
        return scans.open();
    }
}
