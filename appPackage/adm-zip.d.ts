// adm-zip ships no type declarations; this covers only the calls the package build and its tests make.
declare module 'adm-zip' {
  interface ZipEntry {
    readonly entryName: string;
    readonly isDirectory: boolean;
    getData(): Buffer;
  }

  class AdmZip {
    constructor(fileNameOrData?: string | Buffer);
    addFile(entryName: string, content: Buffer): void;
    getEntries(): ZipEntry[];
    writeZip(targetFileName: string): void;
    toBuffer(): Buffer;
  }

  export = AdmZip;
}
