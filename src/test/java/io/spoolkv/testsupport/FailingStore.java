package io.spoolkv.testsupport;

import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/** A real store that fails (as a bug would) when asked to store one key, so a handler's failure path can be tested. */
public final class FailingStore {

    private FailingStore() {
    }

    /** {@code real}, except that storing {@code key} throws an {@link IllegalStateException}. */
    public static ItemStore failingOn(ItemStore real, Key key) {
        return (ItemStore) Proxy.newProxyInstance(ItemStore.class.getClassLoader(), new Class<?>[] {ItemStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("store") && args[0] instanceof StoreRequest r && r.key().equals(key)) {
                        throw new IllegalStateException("store failed (test)");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
