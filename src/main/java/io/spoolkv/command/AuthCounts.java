package io.spoolkv.command;

/** The login figures memcached's stats report (auth_cmds, auth_errors); the authenticator supplies them. */
public interface AuthCounts {

    /** No logins at all: authentication is off, or a test has none. */
    AuthCounts NONE = new AuthCounts() {
        @Override
        public long authCommands() {
            return 0;
        }

        @Override
        public long authErrors() {
            return 0;
        }
    };

    /** Login attempts that were decided, accepted or refused. */
    long authCommands();

    /** Login attempts that were refused. */
    long authErrors();
}
