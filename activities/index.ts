// Every activity the worker hosts. Workflows reach them only through proxyActivities with explicit timeouts.
export {};
