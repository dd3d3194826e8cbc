package launch

// native is the ABI of the variants this dmvx starts.
var native = ArchAMD64
