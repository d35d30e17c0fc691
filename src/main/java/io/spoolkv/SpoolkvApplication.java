package io.spoolkv;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class SpoolkvApplication {

    public static void main(String[] args) {
        SpringApplication.run(SpoolkvApplication.class, args);
    }
}
