package io.spoolkv.command;

/**
 * What memcached reports of its logins (the text login of {@code -Y}, SASL): {@code auth_cmds}, {@code auth_errors}
 * in general stats and {@code auth_enabled_ascii}, {@code auth_enabled_sasl} in stats settings. An interface here so that the stats need not depend
 * on the security package.
 */
public interface LoginCounts {

    /** Login off: nothing counted. */
    LoginCounts NONE = new LoginCounts() {
        @Override
        public String credentialsFile() {
            return null;
        }

        @Override
        public long attempts() {
            return 0;
        }

        @Override
        public long failures() {
            return 0;
        }
    };

    /** The credentials file logins are checked against; null when login is off. */
    String credentialsFile();

    /** Logins whose user and password were checked, accepted or not ({@code auth_cmds}). */
    long attempts();

    /** Logins refused ({@code auth_errors}). */
    long failures();
}
