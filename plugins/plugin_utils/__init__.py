"""Controller-side code of winremote.remoting; private to the collection."""
