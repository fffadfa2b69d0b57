/** The program's entry point (stacks/pulumi/index.ts). */
describe('the entry point of the Pulumi program', () => {
  const original = Error.prepareStackTrace;
  afterEach(() => {
    Error.prepareStackTrace = original;
  });

  test("restores V8's stack trace formatter that source-map-support replaced", () => {
    const rewriter = (error: Error) => `rewritten: ${error.message}`;
    Error.prepareStackTrace = rewriter;
    jest.isolateModules(() => {
      require('../../../stacks/pulumi/index');
    });
    expect(Error.prepareStackTrace).toBeUndefined();
    // Frames the SDK parses for source positions, "at <function> (<file>:<line>:<column>)":
    expect(new Error('probe').stack).toMatch(/^\s+at .*\(.*index\.test\.ts:\d+:\d+\)$/m);
  });
});
