cwlVersion: v1.2
class: Workflow
inputs:
  words: string[]
outputs:
  count:
    type: File
    outputSource: count/out
steps:
  make:
    run:
      class: CommandLineTool
      baseCommand: [printf, '%s\n']
      inputs:
        words: {type: 'string[]', inputBinding: {position: 1}}
      outputs:
        out: {type: stdout}
      stdout: words.txt
    in: {words: words}
    out: [out]
  upper:
    run:
      class: CommandLineTool
      baseCommand: [tr, a-z, A-Z]
      inputs:
        src: {type: File}
      stdin: $(inputs.src.path)
      outputs:
        out: {type: stdout}
      stdout: upper.txt
    in: {src: make/out}
    out: [out]
  count:
    run:
      class: CommandLineTool
      baseCommand: [wc, -l]
      inputs:
        src: {type: File}
      stdin: $(inputs.src.path)
      outputs:
        out: {type: stdout}
      stdout: count.txt
    in: {src: upper/out}
    out: [out]
requirements:
  InlineJavascriptRequirement: {}
